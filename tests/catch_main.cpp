// The shared main of every test executable (Catch2 v2 or v3, see catch.h).
#define CATCH_CONFIG_RUNNER
#include "tests/catch.h"

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
