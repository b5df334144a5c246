"""add_io.py IN.xml OUT.xml [--gpus N,N,...] [--nic NUMA:NAME[:IBNAME]]: adds PCI GPUs (an NVIDIA
3D controller with a cuda<k> OS device) on the given NUMA nodes and a NIC to an hwloc XML topology
from lstopo --input (see make.sh)."""
import argparse
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("dst")
ap.add_argument("--gpus", default="")
ap.add_argument("--nic", default="")
a = ap.parse_args()
tree = ET.parse(a.src)
root = tree.getroot()
gp = [max(int(o.get("gp_index", 0)) for o in root.iter("object"))]


def nxt():
    gp[0] += 1
    return str(gp[0])


# the parent of each NUMA node (its L3 group), by NUMA os_index
parent_of = {}
for parent in root.iter("object"):
    for child in parent.findall("object"):
        if child.get("type") == "NUMANode":
            parent_of[int(child.get("os_index"))] = parent

bus = [0x10]


def pci(parent, cls, vendor_device, osdevs):
    b = bus[0]
    bus[0] += 0x10
    bridge = ET.SubElement(parent, "object", {"type": "Bridge", "gp_index": nxt(), "bridge_type": "0-1", "depth": "0",
                                              "bridge_pci": f"0000:[{b:02x}-{b:02x}]"})
    dev = ET.SubElement(bridge, "object", {"type": "PCIDev", "gp_index": nxt(), "pci_busid": f"0000:{b:02x}:00.0",
                                           "pci_type": f"{cls} [{vendor_device}] [{vendor_device}] a1",
                                           "pci_link_speed": "31.507692"})
    for name, ostype, subtype in osdevs:
        o = ET.SubElement(dev, "object", {"type": "OSDev", "gp_index": nxt(), "name": name, "subtype": subtype,
                                          "osdev_type": ostype})
        ET.SubElement(o, "info", {"name": "Backend", "value": subtype or "Linux"})


# osdev_type: 1 GPU, 2 network, 3 OpenFabrics, 5 coprocessor (hwloc 2)
for k, numa in enumerate(int(x) for x in a.gpus.split(",") if x):
    pci(parent_of[numa], "0302", "10de:2330", [(f"cuda{k}", "5", "CUDA")])
if a.nic:
    parts = a.nic.split(":")
    numa, name = int(parts[0]), parts[1]
    devs = [(name, "2", "")]
    if len(parts) > 2:
        devs.append((parts[2], "3", "OpenFabrics"))
    pci(parent_of[numa], "0207" if len(parts) > 2 else "0280", "15b3:101b" if len(parts) > 2 else "8086:2725", devs)
ET.indent(tree)
with open(a.dst, "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n')
    out.write(ET.tostring(root, encoding="unicode") + "\n")
