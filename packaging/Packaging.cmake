# Install layout of the desktop integration, and the Debian package (cpack -G DEB).
include(GNUInstallDirs)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/flopsfit/presets)

if(FLOPSFIT_BUILD_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/flopsfit.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.github.flopsfit.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/flopsfit.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

  add_executable(flopsfit-render-icon ${PROJECT_SOURCE_DIR}/packaging/render_icon.cpp)
  target_link_libraries(flopsfit-render-icon PRIVATE Qt6::Gui Qt6::Svg)
  set(FLOPSFIT_ICON_SIZES 16 24 32 48 64 128 256)
  set(icon_outputs)
  foreach(size ${FLOPSFIT_ICON_SIZES})
    list(APPEND icon_outputs ${CMAKE_BINARY_DIR}/icons/${size}x${size}/apps/flopsfit.png)
  endforeach()
  add_custom_command(OUTPUT ${icon_outputs}
    COMMAND flopsfit-render-icon ${PROJECT_SOURCE_DIR}/resources/icons/flopsfit.svg ${CMAKE_BINARY_DIR}/icons ${FLOPSFIT_ICON_SIZES}
    DEPENDS flopsfit-render-icon ${PROJECT_SOURCE_DIR}/resources/icons/flopsfit.svg
    COMMENT "Rendering the application icon")
  add_custom_target(flopsfit-icons ALL DEPENDS ${icon_outputs})
  install(DIRECTORY ${CMAKE_BINARY_DIR}/icons/ DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME flopsfit)
set(CPACK_PACKAGE_VENDOR "flops-fit")
set(CPACK_PACKAGE_CONTACT "flops-fit developers <dev@flops-fit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Plan IsoFLOP sweeps, train small GPTs and fit compute-optimal scaling laws")
set(CPACK_PACKAGE_DESCRIPTION "flops-fit plans an IsoFLOP sweep of model sizes at fixed compute budgets, trains every run (LibTorch or simulated), fits scaling laws and exports figures; the same pipeline runs headless and on Slurm clusters.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY flopsfit)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
# Shared-library dependencies come from dpkg-shlibdeps; the rest are loaded at run time:
# the Qt platform plugins (offscreen, xcb) and the OpenMP OpenBLAS that torch's BLAS calls go to.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6, libopenblas0-openmp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client")
set(CPACK_STRIP_FILES ON)
include(CPack)
