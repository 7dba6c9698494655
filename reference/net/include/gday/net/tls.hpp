#pragma once
/// OpenSSL contexts for servers and clients, and throwaway test certificates.

#include <memory>
#include <string>
#include <string_view>

#include "gday/net/error.hpp"

using SSL_CTX = struct ssl_ctx_st;

namespace gday::net {

/// Shared owner of an OpenSSL SSL_CTX.
using tls_context = std::shared_ptr<SSL_CTX>;

/// A certificate authority and a server certificate it signed, PEM encoded
/// (P-256 keys; the server certificate names localhost, 127.0.0.1 and ::1).
struct test_pki {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

/// Makes a fresh test_pki (valid from an hour ago for `days` days).
result<test_pki> generate_test_pki(int days = 30);

/// Server context: TLS 1.2 and 1.3, no client certificates, no ALPN, no
/// session tickets, OpenSSL buffers released while idle.
result<tls_context> make_server_context(std::string_view cert_pem, std::string_view key_pem);

/// The same, reading PEM files (clear errors for unreadable or mismatched files).
result<tls_context> make_server_context_from_files(const std::string& cert_file,
                                                   const std::string& key_file);

/// How a client checks the server.
struct client_tls_options {
  std::string ca_file;    ///< trust anchors (PEM file); empty with ca_pem = system default
  std::string ca_pem;     ///< trust anchors (PEM text)
  bool insecure = false;  ///< accept any certificate
};

/// Client context: TLS 1.2 and 1.3, verifying the server as the options say.
result<tls_context> make_client_context(const client_tls_options& options);

/// Writes `text` to `path` (mode 0600); used for generated keys and certs.
result<done> write_file(const std::string& path, std::string_view text);

}  // namespace gday::net
