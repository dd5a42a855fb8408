// tests/fuzz/replay_main.cpp -- runs a fuzz harness over files, without libFuzzer.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// Builds without MCP_HTM_FUZZ link each harness with this main, and ctest replays the
// committed seed corpus through it under every preset's compiler and sanitizers:
//   fuzz_<harness>_replay <file or directory>...
// A failed check aborts (the test fails); otherwise it prints how many inputs it ran.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

void run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) run_file(file);
      count += files.size();
    } else {
      run_file(path);
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "no inputs given\n");
    return 2;
  }
  std::printf("%zu inputs ran without a failed check\n", count);
  return 0;
}
