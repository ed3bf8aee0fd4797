# The two dependencies found differently on a Debian machine and on a GPU machine that has only
# a pip torch (scripts/gpu/check.sh, with the Debian packages of scripts/gpu/fetch-deps.sh).
#
# fmt: the installed fmt package when there is one (Debian's libfmt-dev, which Debian's
# LibTorch itself uses). Otherwise the fmt headers a pip torch ships for its own headers
# (c10d includes <fmt/format.h>), header-only: then one fmt is compiled into the program.
find_package(fmt QUIET)
if(NOT TARGET fmt::fmt)
  find_path(ROBERTA_TORCH_FMT_DIR fmt/format-inl.h PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
  if(NOT ROBERTA_TORCH_FMT_DIR)
    message(FATAL_ERROR "fmt: expected an installed fmt package (Debian: libfmt-dev) or the fmt headers "
                        "of a pip torch under ${TORCH_INCLUDE_DIRS}, found neither")
  endif()
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${ROBERTA_TORCH_FMT_DIR}"
                                            INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
  message(STATUS "roberta: fmt header-only from the LibTorch headers (${ROBERTA_TORCH_FMT_DIR}/fmt)")
endif()

# PCRE2 (the tokenizer's pre-tokenizer regex): pkg-config when it knows libpcre2-8, else the
# header and library found directly (a machine without pkg-config, or an unpacked package tree
# whose .pc file points at /usr).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PCRE2 QUIET IMPORTED_TARGET libpcre2-8)
endif()
if(TARGET PkgConfig::PCRE2)
  add_library(roberta::pcre2 ALIAS PkgConfig::PCRE2)
else()
  find_path(ROBERTA_PCRE2_INCLUDE pcre2.h)
  find_library(ROBERTA_PCRE2_LIBRARY pcre2-8)
  if(NOT ROBERTA_PCRE2_INCLUDE OR NOT ROBERTA_PCRE2_LIBRARY)
    message(FATAL_ERROR "PCRE2: expected libpcre2-8 (Debian: libpcre2-dev) through pkg-config or "
                        "CMAKE_PREFIX_PATH, found header '${ROBERTA_PCRE2_INCLUDE}', library '${ROBERTA_PCRE2_LIBRARY}'")
  endif()
  add_library(roberta_pcre2 INTERFACE)
  target_include_directories(roberta_pcre2 INTERFACE ${ROBERTA_PCRE2_INCLUDE})
  target_link_libraries(roberta_pcre2 INTERFACE ${ROBERTA_PCRE2_LIBRARY})
  add_library(roberta::pcre2 ALIAS roberta_pcre2)
endif()
