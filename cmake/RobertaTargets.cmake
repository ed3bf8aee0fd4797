# Helpers that keep each folder's CMakeLists.txt to one line: a library per folder made of
# every .cpp in it, compiled as a unity build.
#
# Why unity and no precompiled header (measured with GCC 12 and Debian 12's LibTorch 1.13, one
# file at a time on this 2-core machine): most of a torch-using file's compile time is parsing
# and instantiating the torch headers, and each .cpp pays it again. A precompiled header of
# those headers made things worse, not better: data/shards.cpp took 41 s with it against 5 s
# without, model/encoder_layer.cpp 52 s against 39 s. Compiling the files of a library in
# batches (one translation unit per ROBERTA_UNITY_BATCH files) pays the headers once a batch.
# docs/build.md has the before/after figures of the whole build.
set(ROBERTA_UNITY_BATCH 8 CACHE STRING "source files per unity translation unit (0: the whole target)")
option(ROBERTA_UNITY "compile each target's sources in unity batches" ON)

# roberta_unity(TARGET): compile TARGET's sources in batches of ROBERTA_UNITY_BATCH.
function(roberta_unity target)
  if(ROBERTA_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${ROBERTA_UNITY_BATCH})
  endif()
endfunction()

# roberta_library(NAME DIR [TORCH] [DEPS dep...])
#   NAME: target name; every *.cpp directly in DIR (and its subfolders) is a source.
function(roberta_library name dir)
  cmake_parse_arguments(ARG "TORCH" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${dir}/*.cpp)
  if(srcs)
    add_library(${name} STATIC ${srcs})
    set(scope PUBLIC)
  else()
    add_library(${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(${name} ${scope} ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} ${scope} ${ARG_DEPS} fmt::fmt Threads::Threads)
  if(ARG_TORCH)
    target_link_libraries(${name} ${scope} ${TORCH_LIBRARIES})
  endif()
  if(srcs)
    roberta_unity(${name})
  endif()
  if(ROBERTA_SANITIZE AND NOT ARG_TORCH AND srcs)
    target_compile_options(${name} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${name} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
