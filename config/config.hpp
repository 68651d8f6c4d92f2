// The typed configuration of tetherd, loaded from one YAML file.
//
// Every error names file:line:column and the key path. `${ENV}` in a value
// is replaced by the environment variable; secrets are kept in `secret` and
// never printed.

#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "config/secret.hpp"
#include "supervision/policy.hpp"

namespace tether::config {

using duration = std::chrono::nanoseconds;

/// Where a value came from; line and column are 1-based (0 = unknown).
struct position {
  std::string file;
  int line = 0;
  int column = 0;
};

// -- sections ----------------------------------------------------------------

enum class log_format { text, json };

struct daemon_section {
  /// trace | debug | info | warn | error | critical | off
  std::string log_level = "info";
  log_format log_fmt = log_format::text;
  std::string data_dir = "./var";
  /// The whole tree must stop within this time, or the process exits hard.
  duration shutdown_timeout = std::chrono::seconds{10};
  /// Threads running the Asio io_context for all sockets.
  int io_threads = 1;
  /// Threads of the actor scheduler; 0 = CAF's default (cores).
  int actor_threads = 0;
  /// Deadline of the root actor's answer to the systemd watchdog ping.
  duration watchdog_timeout = std::chrono::seconds{2};
};

struct admin_section {
  bool enabled = true;
  std::string listen = "127.0.0.1:7070";
  secret token;
};

/// The HTTP server for webhook platforms (actors/ingress); it runs only
/// when a webhook platform is configured.
struct ingress_section {
  /// `host:port`; an IP address (IPv6 in brackets).
  std::string listen = "127.0.0.1:8088";
  /// PEM certificate chain and key; both or neither (plain HTTP).
  std::string tls_cert;
  std::string tls_key;
  /// Larger request bodies get 413.
  size_t body_limit = 1048576;
  /// Connections beyond this many are closed at once.
  size_t max_connections = 256;
  duration header_timeout = std::chrono::seconds{10};
  duration body_timeout = std::chrono::seconds{10};
  /// Requests whose signed timestamp is further than this from now are
  /// rejected; event ids are remembered at least this long.
  duration replay_window = std::chrono::minutes{5};
};

/// Replies on their way to the platforms (actors/outbox): written to the
/// store before they are sent, paced per room, resent until a platform
/// sender confirms them.
struct outbox_section {
  /// Replies per second to one room of one bot, on top of the platform's
  /// own limits (seeds/003: 10/s).
  double room_rate = 10;
  /// Replies a room may get at once after a quiet spell.
  size_t room_burst = 5;
  /// Replies of a room handed to its sender and not yet confirmed, at
  /// once; 1 sends strictly one after the other.
  size_t room_window = 4;
  /// A sender that neither confirms nor fails a reply within this long is
  /// assumed lost; the reply is resent (with its idempotency key).
  duration ack_timeout = std::chrono::seconds{60};
  /// A reply still unsent after this long is dropped (stale).
  duration max_age = std::chrono::hours{24};
};

/// The SQLite store (actors/store, docs/store.md): the outbox of replies,
/// inbound dedupe keys and gateway sessions.
struct store_section {
  /// The database file; the loader fills in `<daemon.data_dir>/tether.db`
  /// when it is not set.
  std::string path;
  /// Bound of the outbox table.
  uint64_t outbox_max_rows = 100000;
  /// Sent and dropped replies are kept this long.
  duration keep_sent = std::chrono::hours{24};
  /// How long an inbound message id is remembered for dedupe.
  duration seen_ttl = std::chrono::hours{24};
  /// Bound of the dedupe keys.
  uint64_t seen_max = 1000000;
  /// Deadline of one database operation.
  duration op_timeout = std::chrono::seconds{2};
  /// A reply is dropped after this many failed attempts (the outbox's
  /// limit too).
  uint32_t max_attempts = 10;
};

/// Policy fields an override may set; unset fields keep the earlier value.
struct policy_patch {
  std::optional<size_t> max_restarts;
  std::optional<duration> within;
  std::optional<duration> backoff_initial;
  std::optional<double> backoff_multiplier;
  std::optional<duration> backoff_max;
  std::optional<double> backoff_jitter;
  std::optional<duration> backoff_reset_after;
  std::optional<supervision::exhausted_action> on_exhausted;
  std::optional<duration> cooldown;
  /// Set to nullopt-in-optional (i.e. has_value() && !value()) = brutal_kill.
  std::optional<std::optional<duration>> shutdown;

  void apply_to(supervision::restart_policy& x) const;
};

struct policy_override {
  /// Node-path glob: `*` matches within one path segment, `**` across
  /// segments, e.g. `platforms/discord:*/shards/*`.
  std::string match;
  policy_patch patch;
  position pos;
};

struct supervision_section {
  supervision::restart_policy defaults;
  /// Applied in file order; a later match wins for the keys it sets.
  std::vector<policy_override> overrides;
};

// -- platforms ---------------------------------------------------------------

/// Reads user messages as lines on stdin, writes replies as lines on stdout.
struct sandbox_settings {
  /// Display name of the local user.
  std::string user = "operator";
  /// Printed before each reply line (empty: bare replies).
  std::string reply_prefix;
};

/// A Discord bot on the gateway (v10) with REST replies.
struct discord_settings {
  /// Bot token, from the environment (`${DISCORD_TOKEN}`).
  secret token;
  /// Gateway intent names, e.g. GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT.
  std::vector<std::string> intents{"GUILDS", "GUILD_MESSAGES",
                                   "DIRECT_MESSAGES", "MESSAGE_CONTENT"};
  /// Where `intents` was written, for errors about unknown names.
  position intents_pos;
  /// `shards: auto` takes the count from GET /gateway/bot.
  bool shards_auto = true;
  /// With a fixed count: the total and the id range this process runs.
  uint32_t shard_count = 1;
  uint32_t shard_first = 0;
  uint32_t shard_last = 0;
  /// zlib-stream transport compression.
  bool compress = true;
  std::string api_base = "https://discord.com/api/v10";
  /// Empty: the URL from GET /gateway/bot.
  std::string gateway_url;
  /// WS ping when idle; 0 disables. Catches half-open sockets faster than
  /// one heartbeat interval.
  duration ping_interval = std::chrono::seconds{15};
  duration ping_timeout = std::chrono::seconds{10};
  /// Resolve + connect, TLS + upgrade, Hello, READY: each has this long.
  duration connect_timeout = std::chrono::seconds{15};
  /// One REST request, connect included.
  duration request_timeout = std::chrono::seconds{15};
  /// Trusted CAs (PEM) instead of the system store, e.g. for a proxy.
  std::string ca_file;
  /// Replies may ping users they mention (never roles or @everyone).
  bool allow_user_mentions = false;
  /// Dispatches besides MESSAGE_CREATE passed to the router (names, or
  /// `*` for all); none by default, so unrouted events cost nothing.
  std::vector<std::string> events;
};

/// Sends replies to a Discord webhook (no gateway).
struct discord_webhook_settings {
  /// https://discord.com/api/webhooks/ID/TOKEN; a secret (holds a token).
  secret url;
  std::string username;
  std::string avatar_url;
  /// `?wait=true`: Discord confirms each message (200 instead of 204).
  bool wait = false;
  duration request_timeout = std::chrono::seconds{15};
  std::string ca_file;
};

/// A QQ official bot (API v2) on the gateway.
struct qq_settings {
  /// The bot's AppID (not a secret).
  std::string app_id;
  /// The AppSecret, from the environment (`${QQ_SECRET}`).
  secret client_secret;
  /// Intent names (PROTOCOLS.md §2.4).
  std::vector<std::string> intents{"GUILDS", "PUBLIC_GUILD_MESSAGES",
                                   "DIRECT_MESSAGE", "GROUP_AND_C2C_EVENT"};
  position intents_pos;
  bool shards_auto = true;
  uint32_t shard_count = 1;
  uint32_t shard_first = 0;
  uint32_t shard_last = 0;
  /// The sandbox API host (events only from the sandbox guild/group).
  bool sandbox = false;
  /// Empty: `https://api.sgroup.qq.com` (or the sandbox host).
  std::string api_base;
  std::string token_url = "https://bots.qq.com/app/getAppAccessToken";
  /// Empty: the URL from GET /gateway/bot.
  std::string gateway_url;
  duration ping_interval = std::chrono::seconds{15};
  duration ping_timeout = std::chrono::seconds{10};
  duration connect_timeout = std::chrono::seconds{15};
  duration request_timeout = std::chrono::seconds{15};
  /// Refresh the access token this long before it expires.
  duration token_refresh_margin = std::chrono::seconds{60};
  std::string ca_file;
  std::vector<std::string> events;
  /// `gateway` (WebSocket) or `webhook` (Ed25519-signed callbacks through
  /// the ingress at `path`).
  bool webhook = false;
  /// Ingress path in webhook mode; default `/hooks/qq/<name>`.
  std::string path;
};

/// A QQ account behind mirai-api-http v2 (WebSocket adapter).
struct mirai_settings {
  /// `ws://host:port` of mirai-api-http's WebSocket adapter.
  std::string url;
  secret verify_key;
  /// The bot's QQ number.
  int64_t qq = 0;
  /// Deadline of one command (sendGroupMessage, ...).
  duration command_timeout = std::chrono::seconds{10};
  duration ping_interval = std::chrono::seconds{15};
  duration ping_timeout = std::chrono::seconds{10};
  /// An `about` command when nothing arrived for this long; 0 disables.
  duration idle_probe = std::chrono::seconds{60};
  duration connect_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

/// An OneBot v11 implementation (go-cqhttp, NapCat, Lagrange, ...).
struct onebot_settings {
  /// `forward`: tether dials `url`; `reverse`: tether listens on `listen`
  /// and the implementation dials in.
  bool reverse = false;
  /// forward: `ws://host:port` (universal endpoint at its path).
  std::string url;
  /// forward: use `/api` + `/event` instead of the universal endpoint.
  bool split_endpoints = false;
  /// Optional; sent as `Authorization: Bearer` / required from the peer.
  secret access_token;
  /// reverse: `host:port` to listen on and the path to accept.
  std::string listen;
  std::string path = "/onebot/v11/ws";
  /// When set, the X-Self-ID a reverse connection must present.
  int64_t self_id = 0;
  /// Deadline of one action (send_group_msg, ...).
  duration action_timeout = std::chrono::seconds{10};
  duration ping_interval = std::chrono::seconds{15};
  duration ping_timeout = std::chrono::seconds{10};
  duration connect_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

// -- webhook platforms (served by the ingress) ---------------------------------

/// A Feishu/Lark self-built app receiving events over HTTP.
struct feishu_settings {
  std::string app_id;
  secret app_secret;
  secret verification_token;
  /// Optional; when set, bodies are encrypted and signed.
  secret encrypt_key;
  std::string api_base = "https://open.feishu.cn";
  /// Ingress path; default `/hooks/feishu/<name>`.
  std::string path;
  duration request_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

/// A WeCom (企业微信) self-built app's callback.
struct wecom_settings {
  std::string corp_id;
  int64_t agent_id = 0;
  /// The app's Secret (YAML key `secret`).
  secret app_secret;
  secret token;
  secret encoding_aes_key;
  std::string api_base = "https://qyapi.weixin.qq.com";
  std::string path;
  /// How long a callback waits for a passive reply before answering empty
  /// and sending the reply through message/send.
  duration reply_window = std::chrono::milliseconds{4000};
  duration request_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

enum class wechat_mode { plain, compatible, safe };

/// A WeChat Official Account (公众号) server URL.
struct wechat_settings {
  std::string app_id;
  secret app_secret;
  secret token;
  /// Needed for `compatible` and `safe`.
  secret encoding_aes_key;
  wechat_mode mode = wechat_mode::plain;
  std::string api_base = "https://api.weixin.qq.com";
  std::string path;
  /// Passive reply window; WeChat gives up after 5 s.
  duration reply_window = std::chrono::milliseconds{4000};
  duration request_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

/// Discord's interactions endpoint (slash commands over HTTP).
struct discord_interactions_settings {
  std::string application_id;
  /// 64 hex digits from the developer portal.
  std::string public_key;
  std::string api_base = "https://discord.com/api/v10";
  std::string path;
  /// Answer inline within this long, else defer (type 5) and follow up;
  /// Discord's limit is 3 s.
  duration reply_window = std::chrono::milliseconds{2000};
  duration request_timeout = std::chrono::seconds{10};
  std::string ca_file;
};

using platform_settings =
  std::variant<sandbox_settings, discord_settings, discord_webhook_settings,
               qq_settings, mirai_settings, onebot_settings, feishu_settings,
               wecom_settings, wechat_settings,
               discord_interactions_settings>;

/// The ingress path of a webhook platform; empty for other kinds.
std::string webhook_path(const platform_settings& settings);

struct platform_entry {
  /// `sandbox`, `discord`, `discord_webhook`
  std::string kind;
  /// Unique per kind; the node is `platforms/<kind>:<name>`.
  std::string name;
  platform_settings settings;
  /// Per-node policy patch (`restart:` key); wins over all overrides.
  policy_patch restart;
  position pos;
  /// Canonical text of the entry; reload compares it to find changes.
  /// Contains secret values after ${ENV} substitution: never log it.
  std::string fingerprint;

  /// `<kind>:<name>`, the child id under `platforms`.
  std::string id() const {
    return kind + ":" + name;
  }
};

// -- handlers ----------------------------------------------------------------

/// Built-in commands: /ping, /status, /help.
struct commands_settings {
  std::string prefix = "/";
};

/// POSTs each message as JSON to a URL and replies with what the answer
/// holds (docs/handlers.md).
struct forward_settings {
  /// `https://...` or `http://...`.
  std::string url;
  /// Key of the `X-Tether-Signature` HMAC; empty: requests are unsigned.
  secret signing_secret;
  /// Deadline of one attempt; every attempt also ends before the handler's
  /// timeout.
  duration request_timeout = std::chrono::seconds{10};
  /// Further attempts after a 5xx answer or a transport error.
  size_t retries = 1;
  /// Wait before the first retry; doubled for each further one.
  duration retry_backoff = std::chrono::milliseconds{200};
  /// Requests in flight at once; more messages wait in a queue.
  size_t concurrency = 8;
  /// Messages waiting beyond `concurrency`; more are dropped (logged).
  size_t max_queue = 256;
  std::string ca_file;
};

/// A subprocess speaking JSON lines on stdin/stdout (docs/plugins.md).
struct plugin_settings {
  /// The program and its first arguments.
  std::vector<std::string> command;
  /// Appended to `command`.
  std::vector<std::string> args;
  /// Added to the environment tetherd inherited.
  std::map<std::string, std::string> env;
  /// Empty: tetherd's working directory.
  std::string working_dir;
  /// The plugin's hello must arrive within this, or it is restarted.
  duration hello_timeout = std::chrono::seconds{5};
  /// A call without a reply within this fails (see max_timeouts).
  duration call_timeout = std::chrono::seconds{10};
  /// This many calls timing out in a row restart the plugin.
  size_t max_timeouts = 3;
  /// Longer lines from the plugin are dropped.
  size_t max_line = 1024 * 1024;
  /// Between SIGTERM and SIGKILL when the plugin is stopped.
  duration stop_timeout = std::chrono::seconds{2};
};

/// An OpenAI-compatible chat-completions API (docs/llm.md).
struct llm_settings {
  /// E.g. `https://api.openai.com/v1`, without trailing slashes; `http://`
  /// only for loopback hosts. Requests go to `<base_url>/chat/completions`.
  std::string base_url;
  std::string model;
  /// Sent as `Authorization: Bearer`; empty for local servers.
  secret api_key;
  std::string system_prompt;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  /// Earlier exchanges sent along, per conversation: at most this many
  /// turns (a user message and its answer) and this many characters.
  size_t history_turns = 10;
  size_t history_chars = 8000;
  /// One HTTP attempt, connect included.
  duration request_timeout = std::chrono::seconds{30};
  /// Further attempts after a 429, a 5xx or a transport failure.
  int retries = 2;
  /// Wait before the first retry; doubles for each further one. A 429's
  /// Retry-After wins.
  duration retry_backoff = std::chrono::seconds{1};
  /// Calls in flight at once; further messages queue in the handler.
  size_t concurrency = 4;
  /// Messages waiting beyond this many get `busy_reply`.
  size_t queue_limit = 100;
  /// Sent when a call fails (details go to the log); empty: no reply.
  std::string error_reply = "Sorry, I could not answer that right now.";
  std::string busy_reply = "I am busy right now, please try again shortly.";
  /// `mention` (false): only messages that mention the bot (DMs and the
  /// sandbox always do); `all` (true): every routed message.
  bool trigger_all = false;
  std::string ca_file;
};

using handler_settings = std::variant<commands_settings, llm_settings,
                                      forward_settings, plugin_settings>;

struct handler_entry {
  /// `commands`, `llm`, `forward`, `plugin`.
  std::string kind;
  /// Unique; defaults to the kind. The node is `handlers/<name>`.
  std::string name;
  handler_settings settings;
  policy_patch restart;
  /// Deadline of one call into the handler (10 s; 60 s for `llm`).
  duration timeout = std::chrono::seconds{10};
  /// Calls in flight at once; more wait in the handler's queue.
  size_t concurrency = 16;
  /// Calls waiting beyond `concurrency`; more are dropped (logged,
  /// counted), so memory never grows behind a slow handler.
  size_t queue = 1000;
  position pos;
  /// Like platform_entry::fingerprint; never log it.
  std::string fingerprint;
};

// -- routes ------------------------------------------------------------------

/// All set fields must match; an empty match matches everything.
struct route_match {
  std::optional<std::string> platform; // kind, e.g. `sandbox`
  std::optional<std::string> bot;      // platform entry name
  std::optional<std::string> room;
  std::optional<std::string> sender;
  std::optional<std::string> prefix; // text starts with
  std::optional<std::string> regex;  // ECMAScript, searched in the text
  std::optional<bool> mentions_bot;
  /// `message` (default), `message_update`, `message_delete`, `event` or
  /// `*`. Without it a route sees only messages (or, with `event`, events).
  std::optional<std::string> type;
  /// An event name (`GUILD_CREATE`) or `*`; implies `type: event`.
  std::optional<std::string> event;
};

/// A platform a route relays messages to, e.g. `discord_webhook:bridge` or
/// `discord:main/123456789` (a room is needed where the platform has
/// rooms).
struct relay_target {
  std::string kind;
  std::string name;
  std::string room;
};

struct route_entry {
  route_match match;
  /// Handler names, in order; the message goes to each (fan-out).
  std::vector<std::string> handlers;
  /// Platforms that get the message itself, formatted by relay_format.
  std::vector<relay_target> relay_to;
  /// `{sender}`, `{text}`, `{platform}`, `{bot}` and `{room}` are replaced.
  std::string relay_format = "{sender}: {text}";
  /// Stop at this route when it matched (default), or continue to the next.
  bool final = true;
  position pos;
};

// -- the whole file -----------------------------------------------------------

struct tether_config {
  std::string file;
  daemon_section daemon;
  admin_section admin;
  ingress_section ingress;
  outbox_section outbox;
  store_section store;
  supervision_section supervision;
  std::vector<platform_entry> platforms;
  std::vector<handler_entry> handlers;
  std::vector<route_entry> routes;
  /// Canonical text of `routes`, for reload; never log it.
  std::string routes_fingerprint;

  /// The restart policy of a node path, e.g. `platforms/sandbox:console`:
  /// defaults, then every matching override in file order, then the inline
  /// `restart:` of the platform or handler entry the path belongs to.
  supervision::restart_policy policy_for(const std::string& path) const;
};

/// A config error: `file:line:column: key.path: message`.
struct error {
  position pos;
  std::string key_path;
  std::string message;

  std::string to_string() const;
};

/// Either a config or at least one error.
struct load_result {
  std::optional<tether_config> config;
  std::vector<error> errors;

  explicit operator bool() const {
    return config.has_value();
  }
};

/// Loads and validates `file`. `getenv` resolves `${NAME}` (defaults to
/// std::getenv); unset variables are errors.
load_result load_file(const std::string& file);

/// Same, from text (tests); `file` only names the source in errors.
load_result load_string(const std::string& text,
                        const std::string& file = "<string>");

/// Matches a node path against a glob (`*` within a segment, `**` across).
bool path_matches(std::string_view glob, std::string_view path);

/// Parses `250ms`, `30s`, `5m`, `1h`, `1h30m`, `0`; nullopt if malformed.
std::optional<duration> parse_duration(std::string_view str);

} // namespace tether::config
