#include "gday/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

namespace gday::net {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

failure cert_failure(std::string what) {
  const std::string detail = openssl_errors();
  return failure{error::bad_certificate, detail.empty() ? what : what + " (" + detail + ")"};
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

x509_ptr make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                   int days, bool is_ca) {
  x509_ptr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * days);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
         add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
         add_ext(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  }
  if (!ok || X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    return nullptr;
  }
  return cert;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void configure_common(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

tls_context own(SSL_CTX* ctx) { return tls_context(ctx, SSL_CTX_free); }

}  // namespace

result<test_pki> generate_test_pki(int days) {
  ERR_clear_error();
  pkey_ptr ca_key(EVP_EC_gen("P-256"));
  pkey_ptr server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) return cert_failure("cannot generate P-256 keys");
  x509_ptr ca = make_cert(ca_key.get(), "gday-conformance test CA", nullptr, nullptr, days, true);
  if (!ca) return cert_failure("cannot make the test CA certificate");
  x509_ptr server = make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), days, false);
  if (!server) return cert_failure("cannot make the test server certificate");
  test_pki out;
  bio_ptr a(BIO_new(BIO_s_mem())), b(BIO_new(BIO_s_mem())), c(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(a.get(), ca.get()) || !PEM_write_bio_X509(b.get(), server.get()) ||
      !PEM_write_bio_PrivateKey(c.get(), server_key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return cert_failure("cannot write PEM");
  }
  out.ca_cert_pem = bio_text(a.get());
  out.server_cert_pem = bio_text(b.get());
  out.server_key_pem = bio_text(c.get());
  return out;
}

result<tls_context> make_server_context(std::string_view cert_pem, std::string_view key_pem) {
  ERR_clear_error();
  tls_context ctx = own(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return cert_failure("cannot create a TLS context");
  configure_common(ctx.get());
  // A client's TCP half-close without close_notify is an end of input that
  // still gets its ErrorSyntax answer (spec F-5), not a fatal TLS error.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);

  bio_ptr cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  x509_ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert || SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1) {
    return cert_failure("the certificate is not a PEM X.509 certificate");
  }
  // Any further certificates in the PEM are the chain.
  while (X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_extra_chain_cert(ctx.get(), extra) != 1) {
      X509_free(extra);
      return cert_failure("cannot add a chain certificate");
    }
  }
  ERR_clear_error();  // the loop above ends on a "no start line" error
  bio_ptr key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  pkey_ptr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) return cert_failure("the key is not a PEM private key");
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
    return cert_failure("the private key does not match the certificate");
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return cert_failure("the private key does not match the certificate");
  }
  return ctx;
}

result<tls_context> make_server_context_from_files(const std::string& cert_file,
                                                   const std::string& key_file) {
  auto slurp = [](const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
  };
  std::string cert, key;
  if (!slurp(cert_file, cert)) {
    return failure{error::bad_certificate, "cannot read certificate file '" + cert_file + "'"};
  }
  if (!slurp(key_file, key)) {
    return failure{error::bad_certificate, "cannot read key file '" + key_file + "'"};
  }
  auto ctx = make_server_context(cert, key);
  if (!ctx) {
    return failure{ctx.error().code,
                   "'" + cert_file + "' / '" + key_file + "': " + ctx.error().message};
  }
  return ctx;
}

result<tls_context> make_client_context(const client_tls_options& options) {
  ERR_clear_error();
  tls_context ctx = own(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return cert_failure("cannot create a TLS context");
  configure_common(ctx.get());
  if (options.insecure) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    return ctx;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
      return cert_failure("cannot load CA file '" + options.ca_file + "'");
    }
  }
  if (!options.ca_pem.empty()) {
    bio_ptr bio(BIO_new_mem_buf(options.ca_pem.data(), static_cast<int>(options.ca_pem.size())));
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      X509_free(cert);
      ++added;
    }
    ERR_clear_error();
    if (added == 0) return cert_failure("the CA text holds no PEM certificate");
  }
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  return ctx;
}

result<done> write_file(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return failure{std::error_code(errno, std::generic_category()), "cannot write " + path};
  ::chmod(path.c_str(), 0600);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed)
    return failure{std::make_error_code(std::errc::io_error), "cannot write " + path};
  return done{};
}

}  // namespace gday::net
