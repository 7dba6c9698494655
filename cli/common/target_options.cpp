#include "gday/cli/target_options.hpp"

#include "gday/core/fault.hpp"

namespace gday::cli {

namespace po = boost::program_options;

void add_target_options(po::options_description& opts, target_flags& flags) {
  opts.add_options()("server-cmd", po::value(&flags.server_cmd),
                     "start the server under test with this command; placeholders {port} {cert} "
                     "{key} {timeout} {request_limit}")("target", po::value(&flags.target4),
                                                        "test a running server at HOST:PORT")(
      "target-v6", po::value(&flags.target6), "its IPv6 address [HOST]:PORT")(
      "ca", po::value(&flags.ca), "trust this CA file (--target)")(
      "insecure", "accept any server certificate (--target)")(
      "sni", po::value(&flags.sni), "server name for SNI and certificate checks")(
      "plain", "plain TCP instead of TLS")("room-timeout", po::value(&flags.room_timeout),
                                           "the --target server's room timeout, seconds")(
      "request-limit", po::value(&flags.request_limit), "the --target server's request limit")(
      "allow-non-loopback", "allow --target addresses outside 127.0.0.0/8 and ::1")(
      "embedded-fault", po::value(&flags.embedded_faults),
      "inject faults into the embedded server (comma-separated; self-test)");
}

harness::result<chosen_target> make_target(const target_flags& flags, const po::variables_map& vm) {
  auto usage = [](std::string message) {
    return harness::failure{harness::error::usage, std::move(message)};
  };
  chosen_target out;
  out.plain = vm.count("plain") > 0;
  if (!flags.server_cmd.empty() && !flags.target4.empty()) {
    return usage("--server-cmd and --target exclude each other");
  }
  if (!flags.embedded_faults.empty() && (!flags.server_cmd.empty() || !flags.target4.empty())) {
    return usage("--embedded-fault applies to the embedded server only");
  }
  if (!flags.embedded_faults.empty() && !core::parse_fault_set(flags.embedded_faults)) {
    return usage("--embedded-fault: unknown fault in '" + flags.embedded_faults +
                 "' (gday-reference-server --list-faults lists them)");
  }
  if (!flags.server_cmd.empty()) {
    out.target = harness::make_launched_target(
        harness::launch_options{flags.server_cmd, out.plain, std::chrono::seconds(10)});
  } else if (!flags.target4.empty()) {
    harness::remote_options r;
    r.target4 = flags.target4;
    r.target6 = flags.target6;
    r.plain = out.plain;
    r.tls_options.ca_file = flags.ca;
    r.tls_options.insecure = vm.count("insecure") > 0;
    r.server_name = flags.sni;
    if (vm.count("room-timeout")) r.room_timeout_s = flags.room_timeout;
    if (vm.count("request-limit")) r.request_limit = flags.request_limit;
    r.allow_non_loopback = vm.count("allow-non-loopback") > 0;
    auto made = harness::make_remote_target(r);
    if (!made) return made.error();
    out.target = std::move(*made);
    out.remote = true;
  } else {
    out.target = harness::make_embedded_target(out.plain, flags.embedded_faults);
    out.embedded = true;
  }
  return out;
}

}  // namespace gday::cli
