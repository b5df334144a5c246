# tessera-taskfarm: the factorial kernel needs GMP (libgmp-dev). It lives in the app, not the
# library, so libtessera keeps no GMP dependency. Included by apps/CMakeLists.txt with the target
# tessera-taskfarm defined.
if(NOT TESSERA_GMP_LIBRARY OR NOT TESSERA_GMP_INCLUDE_DIR)
  message(FATAL_ERROR "tessera-taskfarm needs GMP: apt-get install libgmp-dev (or set TESSERA_GMP_LIBRARY "
                      "and TESSERA_GMP_INCLUDE_DIR)")
endif()
target_include_directories(tessera-taskfarm SYSTEM PRIVATE ${TESSERA_GMP_INCLUDE_DIR})
target_link_libraries(tessera-taskfarm PRIVATE ${TESSERA_GMP_LIBRARY})
