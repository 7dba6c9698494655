// The main() linked into fuzz targets when no fuzzing engine is (ordinary g++
// or clang builds): it runs LLVMFuzzerTestOneInput once on every file named on
// the command line, recursing into directories, so that ctest replays the
// seed corpus and every crash reproducer kept in it. Arguments that start with
// '-' are libFuzzer flags and are ignored, so one command line serves both
// builds. Exits 0 when every input ran; a failing input crashes the process
// (after naming the file on stderr).
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash handler (which may only call write()).
char current_input[4096] = {};

void write_stderr(const char* text, std::size_t size) {
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text, size);
}

void name_current_input(int signal_number) {
  static constexpr char prefix[] = "\nreplay: crashed while running ";
  write_stderr(prefix, sizeof prefix - 1);
  write_stderr(current_input, std::strlen(current_input));
  write_stderr("\n", 1);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

bool read_file(const fs::path& path, std::vector<std::uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Files under `root` (or `root` itself), sorted so runs are repeatable.
std::vector<fs::path> inputs_under(const fs::path& root, std::error_code& ec) {
  std::vector<fs::path> files;
  if (!fs::is_directory(root, ec)) {
    if (!ec) files.push_back(root);
    return files;
  }
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code kind_ec;
    if (it->is_regular_file(kind_ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    std::signal(sig, name_current_input);
  }

  std::size_t ran = 0;
  int paths = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;  // a libFuzzer flag such as -runs=0
    ++paths;
    std::error_code ec;
    const std::vector<fs::path> files = inputs_under(argv[i], ec);
    if (ec) {
      std::fprintf(stderr, "replay: cannot read %s: %s\n", argv[i], ec.message().c_str());
      return 2;
    }
    std::vector<std::uint8_t> bytes;
    for (const fs::path& file : files) {
      const std::string shown = file.string();
      std::snprintf(current_input, sizeof current_input, "%s", shown.c_str());
      if (!read_file(file, bytes)) {
        std::fprintf(stderr, "replay: cannot read %s\n", shown.c_str());
        return 2;
      }
      // A copy the exact size of the input, so ASan catches reads past its end.
      std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(input.data(), input.size());
      ++ran;
    }
  }
  if (paths == 0) {
    std::fprintf(stderr, "usage: %s [-flag=value ...] <file or directory>...\n", argv[0]);
    return 2;
  }
  std::printf("replay: ran %zu inputs\n", ran);
  return 0;
}
