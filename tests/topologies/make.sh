#!/usr/bin/env bash
# Regenerates the test topologies (needs hwloc's lstopo: apt-get install hwloc-nox). The XML files
# are committed; the tests only read them.
#   node-2s64c-4gpu.xml  2 packages x 2 NUMA nodes x 16 cores x 2 SMT = 64 cores, 128 PUs; a GPU on
#                        each NUMA node, an InfiniBand NIC on NUMA 0
#   node-8numa-8gpu.xml  2 packages x 4 NUMA nodes x 8 cores x 2 SMT (NPS4-like); a GPU on each NUMA
#                        node, a NIC on NUMA 1
#   laptop.xml           1 package, 4 cores x 2 SMT, no GPU, a wireless NIC
# lstopo's synthetic nodes have no I/O, so add_io.py adds the PCI GPUs and NICs (hwloc XML objects
# Bridge > PCIDev > OSDev) under the L3 group of the NUMA node they hang off.
set -euo pipefail
cd "$(dirname "$0")"
lstopo-no-graphics --input "pack:2 numa:2 l3:1 core:16 pu:2" -f raw1.xml
python3 add_io.py raw1.xml node-2s64c-4gpu.xml --gpus 0,1,2,3 --nic 0:ib0:mlx5_0
lstopo-no-graphics --input "pack:2 numa:4 l3:1 core:8 pu:2" -f raw2.xml
python3 add_io.py raw2.xml node-8numa-8gpu.xml --gpus 0,1,2,3,4,5,6,7 --nic 1:ib0:mlx5_0
lstopo-no-graphics --input "pack:1 numa:1 l3:1 core:4 pu:2" -f raw3.xml
python3 add_io.py raw3.xml laptop.xml --nic 0:wlan0
rm -f raw1.xml raw2.xml raw3.xml
