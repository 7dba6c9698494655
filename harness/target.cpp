#include "gday/harness/target.hpp"

#include <cmath>

#include "gday/core/fault.hpp"
#include "gday/server/server.hpp"

namespace gday::harness {

double chosen_room_timeout(const settings& needs) {
  if (needs.max_room_timeout_s) return *needs.max_room_timeout_s;
  return std::max(600.0, needs.min_room_timeout_s.value_or(0));
}

std::uint32_t chosen_request_limit(const settings& needs) {
  return needs.request_limit.value_or(100000);
}

namespace {

failure skip(std::string why) { return failure{error::skip, std::move(why)}; }

// ---- embedded ---------------------------------------------------------------

class embedded_lease final : public lease {
 public:
  embedded_lease(std::unique_ptr<server::server> s, endpoint_info ep)
      : server_(std::move(s)), endpoints_(std::move(ep)) {}
  ~embedded_lease() override { server_->stop(); }
  const endpoint_info& endpoints() const override { return endpoints_; }
  bool alive() override { return !server_->crashed(); }

 private:
  std::unique_ptr<server::server> server_;
  endpoint_info endpoints_;
};

class embedded_target final : public target {
 public:
  embedded_target(bool plain, core::fault_set faults, std::string fault_text)
      : plain_(plain), faults_(faults), fault_text_(std::move(fault_text)) {}

  std::string describe() const override {
    return std::string("embedded reference server (") + (plain_ ? "plain TCP" : "TLS") +
           (fault_text_.empty() ? "" : ", faults: " + fault_text_) + ")";
  }

  std::string rerun_flags() const override {
    return std::string(plain_ ? " --plain" : "") +
           (fault_text_.empty() ? "" : " --embedded-fault " + fault_text_);
  }

  prepared prepare(const settings& needs, wire::profile profile) override {
    server::config cfg;
    cfg.core.profile = profile;
    cfg.core.room_timeout = std::chrono::duration_cast<core::clock_time>(
        std::chrono::duration<double>(chosen_room_timeout(needs)));
    cfg.core.request_limit = chosen_request_limit(needs);
    cfg.core.faults = faults_;
    endpoint_info ep;
    ep.tls = !plain_;
    if (!plain_) {
      std::lock_guard lock(mutex_);
      if (!pki_) {
        auto pki = net::generate_test_pki();
        if (!pki) return failure{error::target_unusable, pki.error().what()};
        auto ctx = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
        if (!ctx) return failure{error::target_unusable, ctx.error().what()};
        pki_ = *pki;
        ctx_ = *ctx;
      }
      cfg.tls = ctx_;
      ep.tls_options.ca_pem = pki_->ca_cert_pem;
    }
    auto s = std::make_unique<server::server>(cfg);
    if (auto started = s->start(); !started) {
      return failure{error::target_unusable,
                     "cannot start the embedded server: " + started.error().what()};
    }
    ep.port4 = s->port(false);
    ep.port6 = s->port(true);
    return std::unique_ptr<lease>(std::make_unique<embedded_lease>(std::move(s), std::move(ep)));
  }

 private:
  bool plain_;
  core::fault_set faults_;
  std::string fault_text_;
  std::mutex mutex_;
  std::optional<net::test_pki> pki_;
  net::tls_context ctx_;
};

// ---- remote -----------------------------------------------------------------

class remote_lease final : public lease {
 public:
  explicit remote_lease(endpoint_info ep) : endpoints_(std::move(ep)) {}
  const endpoint_info& endpoints() const override { return endpoints_; }

 private:
  endpoint_info endpoints_;
};

class remote_target final : public target {
 public:
  remote_target(remote_options options, endpoint_info ep)
      : options_(std::move(options)), endpoints_(std::move(ep)) {}

  bool restartable() const override { return false; }

  std::string describe() const override {
    return "server at " + options_.target4 +
           (options_.target6.empty() ? "" : " and " + options_.target6) +
           (options_.plain ? " (plain TCP)" : " (TLS)");
  }

  std::string rerun_flags() const override {
    std::string out = " --target " + options_.target4;
    if (!options_.target6.empty()) out += " --target-v6 " + options_.target6;
    if (options_.plain) out += " --plain";
    if (options_.tls_options.insecure) out += " --insecure";
    if (!options_.tls_options.ca_file.empty()) out += " --ca " + options_.tls_options.ca_file;
    if (!options_.server_name.empty()) out += " --sni " + options_.server_name;
    if (options_.room_timeout_s)
      out += " --room-timeout " + std::to_string(*options_.room_timeout_s);
    if (options_.request_limit)
      out += " --request-limit " + std::to_string(*options_.request_limit);
    return out;
  }

  prepared prepare(const settings& needs, wire::profile) override {
    if (needs.fresh_server) {
      return skip("needs a fresh server (the harness cannot restart --target)");
    }
    if (needs.max_room_timeout_s || needs.min_room_timeout_s) {
      if (!options_.room_timeout_s) {
        return skip("needs a room timeout of at most " +
                    std::to_string(needs.max_room_timeout_s.value_or(0)) +
                    " s; declare the server's with --room-timeout");
      }
      const double t = *options_.room_timeout_s;
      if ((needs.max_room_timeout_s && t > *needs.max_room_timeout_s) ||
          (needs.min_room_timeout_s && t < *needs.min_room_timeout_s)) {
        return skip("needs another room timeout than the declared " + std::to_string(t) + " s");
      }
    }
    if (needs.request_limit && options_.request_limit != needs.request_limit) {
      return skip("needs request limit " + std::to_string(*needs.request_limit) +
                  (options_.request_limit
                       ? ", the server's is " + std::to_string(*options_.request_limit)
                       : "; declare the server's with --request-limit"));
    }
    return std::unique_ptr<lease>(std::make_unique<remote_lease>(endpoints_));
  }

 private:
  remote_options options_;
  endpoint_info endpoints_;
};

}  // namespace

std::unique_ptr<target> make_embedded_target(bool plain, const std::string& faults) {
  core::fault_set set;
  if (!faults.empty()) {
    auto parsed = core::parse_fault_set(faults);
    if (parsed) set = *parsed;
  }
  return std::make_unique<embedded_target>(plain, set, faults);
}

result<std::unique_ptr<target>> make_remote_target(const remote_options& options) {
  auto usage = [](std::string message) { return failure{error::usage, std::move(message)}; };
  endpoint_info ep;
  auto v4 = server::parse_endpoint(options.target4);
  if (!v4) return usage("--target '" + options.target4 + "' is not an address like 127.0.0.1:2311");
  ep.host4 = v4->address().to_string();
  ep.port4 = v4->port();
  if (v4->address().is_v6()) {
    ep.host6 = ep.host4;
    ep.port6 = ep.port4;
    ep.port4 = 0;
  }
  if (!options.target6.empty()) {
    auto v6 = server::parse_endpoint(options.target6);
    if (!v6 || !v6->address().is_v6()) {
      return usage("--target-v6 '" + options.target6 + "' is not an address like [::1]:2311");
    }
    ep.host6 = v6->address().to_string();
    ep.port6 = v6->port();
  }
  for (const auto* host : {&ep.host4, &ep.host6}) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(*host, ec);
    if (!ec && !a.is_loopback() && !options.allow_non_loopback) {
      return usage("refusing non-loopback target " + *host +
                   " (pass --allow-non-loopback to test a server on another host)");
    }
  }
  ep.tls = !options.plain;
  ep.tls_options = options.tls_options;
  ep.server_name = options.server_name;
  return std::unique_ptr<target>(std::make_unique<remote_target>(options, std::move(ep)));
}

}  // namespace gday::harness
