# cmake --install: binaries, headers, one static library per module and TesseraConfig.cmake
# (find_package(Tessera) gives tessera::tessera, everything, and tessera::<module> one by one).
include(CMakePackageConfigHelpers)
set(_tessera_targets tessera)
foreach(m IN LISTS TESSERA_MODULES)
  list(APPEND _tessera_targets tessera_${m})
endforeach()
install(TARGETS ${_tessera_targets} EXPORT TesseraTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/tessera DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.cuh")
install(FILES ${PROJECT_BINARY_DIR}/lib/include/core-generated/tessera/core/build_config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera/core)
install(EXPORT TesseraTargets NAMESPACE tessera:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
string(REPLACE ";" " " TESSERA_MODULES_LIST "${TESSERA_MODULES}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TesseraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TesseraConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TesseraConfig.cmake ${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
