#include "gday/load/responder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "gday/net/stream.hpp"
#include "gday/wire/frame.hpp"

namespace gday::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The canned replies, framed once.
struct canned {
  std::string room_created, received_addr, contacts;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(std::unique_ptr<net::byte_stream> stream, const canned& replies, wire::profile p)
      : stream_(std::move(stream)), replies_(replies), decoder_(p) {}

  void start() {
    stream_->async_handshake([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    stream_->async_read_some(buffer_,
                             [self = shared_from_this()](std::error_code ec, std::size_t n) {
                               if (ec) return self->stream_->close();
                               self->on_bytes(std::string_view(self->buffer_.data(), n));
                             });
  }

  void on_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
      bytes.remove_prefix(decoder_.feed(bytes));
      if (decoder_.status() == wire::frame_decoder::state::failed) return stream_->close();
      if (decoder_.status() != wire::frame_decoder::state::frame_ready) continue;
      const std::string body = decoder_.take_body();
      // The request's type from its name alone: no JSON decoding.
      if (body.find("CreateRoom") != std::string::npos) {
        pending_ += replies_.room_created;
      } else if (body.find("RecordPublicAddr") != std::string::npos) {
        pending_ += replies_.received_addr;
      } else {
        pending_ += replies_.contacts;
      }
    }
    flush();
    read();
  }

  void flush() {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    out_.swap(pending_);
    pending_.clear();
    stream_->async_write(out_, [self = shared_from_this()](std::error_code ec) {
      self->writing_ = false;
      if (ec) return self->stream_->close();
      self->flush();
    });
  }

  std::unique_ptr<net::byte_stream> stream_;
  const canned& replies_;
  wire::frame_decoder decoder_;
  std::array<char, 2048> buffer_{};
  std::string out_, pending_;
  bool writing_ = false;
};

class responder final : public canned_responder {
 public:
  responder(wire::profile p, net::tls_context ctx, net::client_tls_options client, canned replies)
      : profile_(p),
        ctx_(std::move(ctx)),
        client_(std::move(client)),
        replies_(std::move(replies)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)) {
    acceptor_.listen(4096);
    endpoint_ = acceptor_.local_endpoint();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~responder() override {
    io_.stop();
    thread_.join();
  }
  tcp::endpoint endpoint() const override { return endpoint_; }
  net::client_tls_options client_options() const override { return client_; }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::unique_ptr<net::byte_stream> stream;
        if (ctx_) {
          auto s = net::make_tls_stream(std::move(socket), ctx_, true);
          if (s) stream = std::move(*s);
        } else {
          stream = net::make_tcp_stream(std::move(socket));
        }
        if (stream) std::make_shared<session>(std::move(stream), replies_, profile_)->start();
      }
      accept();
    });
  }

  wire::profile profile_;
  net::tls_context ctx_;
  net::client_tls_options client_;
  canned replies_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  tcp::endpoint endpoint_;
  std::thread thread_;
};

}  // namespace

base::basic_result<std::unique_ptr<canned_responder>, std::string> canned_responder::start(
    wire::profile profile, bool plain) {
  canned replies;
  wire::full_contact c;
  c.local.v4 = wire::socket_addr_v4{{127, 0, 0, 1}, 50000};
  c.public_.v4 = wire::socket_addr_v4{{127, 0, 0, 1}, 50000};
  auto frame = [&](const wire::server_msg& m) -> std::string {
    auto f = wire::encode_frame(m, profile);
    return f ? *f : std::string();
  };
  replies.room_created = frame({wire::server_msg_type::room_created, {}});
  replies.received_addr = frame({wire::server_msg_type::received_addr, {}});
  replies.contacts = frame({wire::server_msg_type::client_contact, c}) +
                     frame({wire::server_msg_type::peer_contact, c});
  net::tls_context ctx;
  net::client_tls_options client;
  if (!plain) {
    auto pki = net::generate_test_pki();
    if (!pki) return pki.error().what();
    auto server = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
    if (!server) return server.error().what();
    ctx = *server;
    client.ca_pem = pki->ca_cert_pem;
  }
  try {
    return std::unique_ptr<canned_responder>(
        std::make_unique<responder>(profile, ctx, client, std::move(replies)));
  } catch (const std::exception& e) {
    return std::string("calibration responder: ") + e.what();
  }
}

}  // namespace gday::load
