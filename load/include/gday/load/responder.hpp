#pragma once
/// The calibration floor: a minimal TLS server in this process that answers
/// every request frame with a canned reply of the right type (RoomCreated,
/// ReceivedAddr, ClientContact + PeerContact), with no rooms and no protocol
/// logic. The same load against it and against a real server, in one run on
/// one machine, turns absolute figures (meaningless on a shared machine)
/// into ratios.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "gday/base/result.hpp"
#include "gday/net/tls.hpp"
#include "gday/wire/profile.hpp"

namespace gday::load {

/// A running canned responder, on a thread of its own; stopped and joined
/// on destruction.
class canned_responder {
 public:
  /// Starts one on 127.0.0.1 (a free port), TLS with a fresh test PKI (the
  /// same kind of certificate as the launched server's: P-256) unless
  /// `plain`. Fails with a sentence.
  static base::basic_result<std::unique_ptr<canned_responder>, std::string> start(
      wire::profile profile, bool plain);

  virtual ~canned_responder() = default;
  /// Where it listens.
  virtual boost::asio::ip::tcp::endpoint endpoint() const = 0;
  /// The client options that trust it (its CA).
  virtual net::client_tls_options client_options() const = 0;
};

}  // namespace gday::load
