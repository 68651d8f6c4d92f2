// The zlib-stream transport compression of the fake gateway.

#include <stdexcept>

#include "fakes/discord/internal.hpp"

namespace tether::fakes::detail {

zlib_deflater::zlib_deflater() {
  zs_ = z_stream{};
  // deflateInit (not raw deflate): Discord's stream carries the RFC 1950
  // header, so clients call plain inflateInit.
  ok_ = deflateInit(&zs_, Z_DEFAULT_COMPRESSION) == Z_OK;
  if (!ok_) throw std::runtime_error("deflateInit failed");
}

zlib_deflater::~zlib_deflater() {
  if (ok_) deflateEnd(&zs_);
}

std::string zlib_deflater::compress(std::string_view in) {
  std::string out;
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs_.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  // Z_SYNC_FLUSH ends every message on a byte boundary with 00 00 ff ff and
  // keeps the dictionary for the next one.
  do {
    zs_.next_out = reinterpret_cast<Bytef*>(chunk);
    zs_.avail_out = sizeof(chunk);
    auto rc = deflate(&zs_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw std::runtime_error("deflate failed");
    out.append(chunk, sizeof(chunk) - zs_.avail_out);
  } while (zs_.avail_out == 0);
  return out;
}

} // namespace tether::fakes::detail
