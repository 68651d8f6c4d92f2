// A WebSocket connection of a fake, in the shape of a Beast session: its own
// strand, an on_* chain, a write queue. It is accepted from an upgraded HTTP
// connection or dialed. It holds no protocol state: it reports to its owner
// through callbacks and takes commands through asio::post.

#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace tether::fakes::common {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;
using header_list = std::vector<std::pair<std::string, std::string>>;

/// How a WebSocket connection ended.
enum class end_kind {
  /// The peer sent a close frame (code valid).
  client_close,
  /// Read error or EOF: the peer went away without a close frame.
  lost,
  /// We dropped or closed it.
  dropped,
};

/// One outgoing unit: a WS frame or a close.
struct out_item {
  std::shared_ptr<const std::string> data;
  bool binary = false;
  bool fin = true;
  bool close = false;
  websocket::close_reason reason;
  /// Seq of the dispatch this item finishes (0: none).
  int64_t seq = 0;
};

class ws_conn;

/// What the owner hears from a connection. Callbacks run on the strand.
struct ws_callbacks {
  /// The handshake completed; reads start right after.
  std::function<void(const std::shared_ptr<ws_conn>&)> on_open;
  /// The handshake or the dial failed (optional).
  std::function<void(uint64_t id)> on_open_failed;
  std::function<void(uint64_t id, std::string msg, bool binary)> on_message;
  /// Reported once, for opened connections only.
  std::function<void(uint64_t id, end_kind kind, uint16_t code)> on_end;
  /// The write queue ran empty (optional).
  std::function<void(uint64_t id)> on_drained;
};

struct ws_settings {
  /// Server header when accepting, User-Agent when dialing.
  std::string name;
  /// When false, every queued item goes out as exactly one frame.
  bool auto_fragment = true;
};

class ws_conn : public std::enable_shared_from_this<ws_conn> {
public:
  // -- constructors, destructors, and assignment operators ------------------

  /// Server side: an upgraded HTTP connection.
  ws_conn(uint64_t id, beast::tcp_stream&& stream, ws_settings settings,
          ws_callbacks callbacks);

  /// Client side: a fresh socket on its own strand.
  ws_conn(uint64_t id, asio::io_context& ioc, ws_settings settings,
          ws_callbacks callbacks);

  virtual ~ws_conn();

  // -- modifiers -------------------------------------------------------------

  /// Completes the upgrade; on_open or on_open_failed follows.
  void accept(request req);

  /// Connects to 127.0.0.1 and handshakes; on_open or on_open_failed
  /// follows.
  void dial(std::string host, uint16_t port, std::string target,
            header_list headers);

  /// Queues a text message.
  void send(std::shared_ptr<const std::string> text, int64_t seq = 0);

  /// Queues a close frame after the pending writes.
  void close(uint16_t code, std::string reason);

  /// Closes TCP with SO_LINGER 0, no close frame.
  void drop();

  /// Cancels the read and all writes; TCP stays open.
  void half_open();

  // -- properties ------------------------------------------------------------

  uint64_t id() const {
    return id_;
  }

  /// The upgrade request (valid once accepted).
  const request& upgrade_request() const {
    return req_;
  }

  /// Last dispatch seq fully handed to the kernel.
  int64_t written_seq() const {
    return written_seq_.load();
  }

protected:
  /// The strand of this connection.
  const asio::any_io_executor& executor() const {
    return ex_;
  }

  /// On the strand: whether queued items still go out.
  bool writable() const {
    return !dead_ && !frozen_ && !closing_;
  }

  /// On the strand: appends to the write queue.
  void push(out_item item);

private:
  void configure();
  void opened();
  void do_read();
  void on_read(beast::error_code ec, size_t n);
  void clear_queue();
  void do_write();
  void on_write(beast::error_code ec, size_t n);
  void on_close(beast::error_code ec);
  void finish(end_kind kind, uint16_t code);

  uint64_t id_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::any_io_executor ex_;
  ws_settings settings_;
  ws_callbacks callbacks_;
  request req_;
  beast::flat_buffer buffer_;
  std::deque<out_item> queue_;
  /// The handshake completed.
  bool open_ = false;
  bool writing_ = false;
  /// Inside a message split into frames (opcode already sent).
  bool mid_message_ = false;
  /// Socket closed or failed; nothing more happens.
  bool dead_ = false;
  /// Half-open: no reads, no writes, socket open.
  bool frozen_ = false;
  /// A close frame is queued; nothing goes after it.
  bool closing_ = false;
  /// on_end was reported.
  bool finished_ = false;
  std::atomic<int64_t> written_seq_{0};
};

} // namespace tether::fakes::common
