# `cmake --install` and the Debian package: the programs a user runs,
# the scenario library (with its schema) where run-scenarios looks for it,
# and the spec and guides as documentation. Tests, fuzzers and benchmarks
# are not installed.
install(TARGETS run-scenarios gday-reference-server gday-reference-client gday-fuzz-remote
                gday-load
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
        DESTINATION ${GDAY_DATA_DESTINATION}/scenarios)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/gday-contact-exchange.md
              ${PROJECT_SOURCE_DIR}/docs/conformance.md ${PROJECT_SOURCE_DIR}/docs/report-schema.md
              ${PROJECT_SOURCE_DIR}/docs/scenarios.md
              ${PROJECT_SOURCE_DIR}/docs/testing-your-server.md
              ${PROJECT_SOURCE_DIR}/docs/testing-your-client.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/gday-conformance)

# Installing (and cpack) installs what is built and does not first build
# every target: the tests package an already built tree.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# cpack -G DEB (Debian 12). Runtime dependencies come from dpkg-shlibdeps
# (package dpkg-dev): libssl3, the two Boost libraries, libstdc++6, libc6.
set(CPACK_PACKAGE_NAME gday-conformance)
set(CPACK_PACKAGE_VENDOR gday-conformance)
set(CPACK_PACKAGE_CONTACT "gday-conformance maintainers <gday-conformance@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "conformance suite, reference server/client and fuzzer for the gday contact exchange protocol")
set(CPACK_PACKAGE_INSTALL_DIRECTORY gday-conformance)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "run-scenarios tests a gday server (or client) against the gday contact exchange\n\
protocol, requirement by requirement, with console, JUnit, JSON and Markdown\n\
reports. Also gday-reference-server, gday-reference-client,\n\
gday-fuzz-remote (network fuzzer) and gday-load (load, soak and memory\n\
testing), and the scenario library in /usr/share/gday-conformance.")
# Packages install under /usr whatever prefix the build was configured with.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
