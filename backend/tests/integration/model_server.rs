//! A scripted model server for tests: it plays the model behind the real agent CLIs (and the API
//! providers of the next issue). It speaks Anthropic Messages (streaming SSE with `tool_use`),
//! OpenAI Responses (streaming, `function_call`), OpenAI Chat Completions (streaming, tool
//! calls) and Gemini `streamGenerateContent` (SSE, `functionCall`), and answers each model request with the next reply of a per-test script: text, tool
//! calls, an HTTP error (401, or 429 with `Retry-After`), or a hang. Every request is recorded.
//!
//! `GET …/models` (the OpenAI `/v1/models` and Anthropic `/v1/models` listings) answers a small
//! list, or 401 when the key starts with `bad` (for readiness checks); it is not recorded.
//!
//! A reply may contain `{{review_file}}`, replaced by the verdict path the worker put in the
//! prompt ("The verdict file is: …"), `{{cwd}}`, replaced by the working directory the CLI
//! told the model about, so scripted tool calls can name real paths, and `{{token}}`, replaced by
//! the token a provider self-test asked the model to echo ("… with token \"<hex>\" …").

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// Tokens every scripted answer reports (so usage roll-ups are predictable).
pub const INPUT_TOKENS: i64 = 100;
pub const CACHED_TOKENS: i64 = 40;
pub const OUTPUT_TOKENS: i64 = 10;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Assistant text, ending the turn.
    Text(String),
    /// Tool calls `(name, input)` in one answer.
    Tools(Vec<(String, Value)>),
    /// An HTTP error with a provider-style JSON body.
    Status {
        code: u16,
        message: String,
        retry_after: Option<u64>,
    },
    /// Never answers.
    Hang,
}

impl Reply {
    pub fn tool(name: &str, input: Value) -> Self {
        Self::Tools(vec![(name.to_owned(), input)])
    }

    pub fn text(t: &str) -> Self {
        Self::Text(t.to_owned())
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub body: Value,
    /// `x-api-key` or the bearer token.
    pub key: Option<String>,
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    counter: Mutex<u64>,
}

/// A running scripted model server.
pub struct ModelServer {
    pub url: String,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl ModelServer {
    /// Starts a server on a free loopback port with this script.
    pub fn start(script: Vec<Reply>) -> Self {
        let state = Arc::new(State::default());
        state.script.lock().expect("script").extend(script);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the model server");
        let addr = listener.local_addr().expect("model server address");
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 << 20))
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{addr}"),
            state,
            handle,
        }
    }

    /// The model requests received so far (not HEAD probes or other paths).
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().expect("requests").clone()
    }

    /// Replies not consumed yet.
    pub fn remaining(&self) -> usize {
        self.state.script.lock().expect("script").len()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    Anthropic,
    Responses,
    Chat,
    Gemini,
}

/// The key a request carries (`x-api-key`, `x-goog-api-key` or the bearer token).
fn key_of(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("x-api-key")
        .or_else(|| req.headers().get("x-goog-api-key"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            req.headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let path = req.path().to_owned();
    if path.ends_with("/models") && req.method() == actix_web::http::Method::GET {
        if key_of(&req).is_none_or(|k| k.starts_with("bad")) {
            return HttpResponse::Unauthorized().json(
                json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
            );
        }
        return HttpResponse::Ok().json(json!({"object": "list", "data": [
            {"id": "scripted-model", "object": "model", "type": "model"}]}));
    }
    let protocol = if path.ends_with("/messages") {
        Protocol::Anthropic
    } else if path.ends_with("/responses") {
        Protocol::Responses
    } else if path.ends_with("/chat/completions") {
        Protocol::Chat
    } else if path.ends_with(":streamGenerateContent") {
        Protocol::Gemini
    } else {
        // Reachability probes (HEAD /) and anything else.
        return HttpResponse::NotFound().finish();
    };
    if req.method() != actix_web::http::Method::POST {
        return HttpResponse::MethodNotAllowed().finish();
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let key = key_of(&req);
    let review_file = find_review_file(&body);
    let cwd = find_cwd(&body);
    let token = find_token(&body);
    state.requests.lock().expect("requests").push(Recorded {
        path: path.clone(),
        body,
        key,
    });
    let reply = state
        .script
        .lock()
        .expect("script")
        .pop_front()
        .unwrap_or_else(|| Reply::text("Done."));
    let n = {
        let mut c = state.counter.lock().expect("counter");
        *c += 1;
        *c
    };
    let reply = substitute(reply, "{{review_file}}", review_file.as_deref());
    let reply = substitute(reply, "{{cwd}}", cwd.as_deref());
    let reply = substitute(reply, "{{token}}", token.as_deref());
    match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            HttpResponse::ServiceUnavailable().finish()
        }
        Reply::Status {
            code,
            message,
            retry_after,
        } => {
            let status = actix_web::http::StatusCode::from_u16(code)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
            let body = if protocol == Protocol::Gemini {
                let kind = match code {
                    401 => "UNAUTHENTICATED",
                    429 => "RESOURCE_EXHAUSTED",
                    _ => "INTERNAL",
                };
                json!({"error": {"code": code, "message": message, "status": kind}})
            } else if protocol == Protocol::Anthropic {
                let kind = match code {
                    401 => "authentication_error",
                    429 => "rate_limit_error",
                    _ => "api_error",
                };
                json!({"type": "error", "error": {"type": kind, "message": message}})
            } else {
                let kind = match code {
                    401 => "invalid_api_key",
                    429 => "rate_limit_exceeded",
                    _ => "server_error",
                };
                json!({"error": {"message": message, "type": kind, "code": kind}})
            };
            let mut resp = HttpResponse::build(status);
            if let Some(s) = retry_after {
                resp.insert_header(("retry-after", s.to_string()));
            }
            resp.json(body)
        }
        reply => {
            let sse = match protocol {
                Protocol::Anthropic => anthropic(n, &reply),
                Protocol::Responses => responses(n, &reply),
                Protocol::Chat => chat(n, &reply),
                Protocol::Gemini => gemini(&reply),
            };
            HttpResponse::Ok()
                .content_type("text/event-stream")
                .insert_header(("cache-control", "no-cache"))
                .body(sse)
        }
    }
}

/// The verdict path the worker wrote into the prompt, if any.
fn find_review_file(body: &Value) -> Option<String> {
    let text = body.to_string();
    let at = text.find("The verdict file is: ")? + "The verdict file is: ".len();
    let rest = &text[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\\' || c == '"')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// The token a self-test asks the model to echo: the hex digits after "with token ".
fn find_token(body: &Value) -> Option<String> {
    let text = body.to_string();
    let at = text.find("with token ")? + "with token ".len();
    let hex: String = text[at..]
        .trim_start_matches(['\\', '"'])
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (!hex.is_empty()).then_some(hex)
}

/// The working directory as the CLI describes it to the model (Claude Code: "Primary working
/// directory: …"; Codex: `<cwd>…</cwd>`; Gemini: its workspace directories).
fn find_cwd(body: &Value) -> Option<String> {
    let text = body.to_string();
    if let Some(at) = text.find("<cwd>") {
        let rest = &text[at + 5..];
        return rest.find("</cwd>").map(|end| rest[..end].to_owned());
    }
    // Gemini: "**Workspace Directories:**\n  - /path" (seen here JSON-escaped).
    const GEMINI: &str = "Workspace Directories:**\\n  - ";
    let at = match text.find(GEMINI) {
        Some(at) => at + GEMINI.len(),
        None => text.find("Primary working directory: ")? + "Primary working directory: ".len(),
    };
    let rest = &text[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\\' || c == '"')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

fn substitute(reply: Reply, placeholder: &str, value: Option<&str>) -> Reply {
    let Some(value) = value else {
        return reply;
    };
    let fix = |v: &Value| -> Value {
        serde_json::from_str(&v.to_string().replace(placeholder, value)).unwrap_or(v.clone())
    };
    match reply {
        Reply::Tools(calls) => {
            Reply::Tools(calls.iter().map(|(n, i)| (n.clone(), fix(i))).collect())
        }
        Reply::Text(t) => Reply::Text(t.replace(placeholder, value)),
        other => other,
    }
}

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// Anthropic Messages streaming.
fn anthropic(n: u64, reply: &Reply) -> String {
    let mut out = event(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": format!("msg_{n:04}"), "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929", "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": INPUT_TOKENS - CACHED_TOKENS, "cache_read_input_tokens": CACHED_TOKENS,
                "cache_creation_input_tokens": 0, "output_tokens": 1}}}),
    );
    let stop = match reply {
        Reply::Text(t) => {
            out += &event(
                "content_block_start",
                &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            );
            out += &event(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}),
            );
            out += &event(
                "content_block_stop",
                &json!({"type": "content_block_stop", "index": 0}),
            );
            "end_turn"
        }
        Reply::Tools(calls) => {
            for (i, (name, input)) in calls.iter().enumerate() {
                out += &event(
                    "content_block_start",
                    &json!({"type": "content_block_start", "index": i, "content_block": {
                        "type": "tool_use", "id": format!("toolu_{n:04}_{i}"), "name": name, "input": {}}}),
                );
                out += &event(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": i, "delta": {
                        "type": "input_json_delta", "partial_json": input.to_string()}}),
                );
                out += &event(
                    "content_block_stop",
                    &json!({"type": "content_block_stop", "index": i}),
                );
            }
            "tool_use"
        }
        _ => "end_turn",
    };
    out += &event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": OUTPUT_TOKENS}}),
    );
    out += &event("message_stop", &json!({"type": "message_stop"}));
    out
}

fn responses_usage() -> Value {
    json!({"input_tokens": INPUT_TOKENS, "input_tokens_details": {"cached_tokens": CACHED_TOKENS},
        "output_tokens": OUTPUT_TOKENS, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS})
}

/// OpenAI Responses streaming.
fn responses(n: u64, reply: &Reply) -> String {
    let items: Vec<Value> = match reply {
        Reply::Text(t) => vec![json!({"type": "message", "id": format!("msg_{n:04}"), "role": "assistant",
            "status": "completed", "content": [{"type": "output_text", "text": t, "annotations": []}]})],
        Reply::Tools(calls) => calls
            .iter()
            .enumerate()
            .map(|(i, (name, input))| {
                json!({"type": "function_call", "id": format!("fc_{n:04}_{i}"), "call_id": format!("call_{n:04}_{i}"),
                    "name": name, "arguments": input.to_string(), "status": "completed"})
            })
            .collect(),
        _ => Vec::new(),
    };
    let id = format!("resp_{n:04}");
    let mut out = event(
        "response.created",
        &json!({"type": "response.created", "response": {"id": id, "object": "response", "status": "in_progress", "output": []}}),
    );
    for (i, item) in items.iter().enumerate() {
        out += &event(
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "output_index": i, "item": item}),
        );
        out += &event(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": i, "item": item}),
        );
    }
    out += &event(
        "response.completed",
        &json!({"type": "response.completed", "response": {"id": id, "object": "response", "status": "completed",
            "output": items, "usage": responses_usage()}}),
    );
    out
}

/// Gemini `streamGenerateContent?alt=sse`: one chunk with the whole answer and its usage.
fn gemini(reply: &Reply) -> String {
    let parts: Vec<Value> = match reply {
        Reply::Text(t) => vec![json!({"text": t})],
        Reply::Tools(calls) => calls
            .iter()
            .map(|(name, args)| json!({"functionCall": {"name": name, "args": args}}))
            .collect(),
        _ => Vec::new(),
    };
    let chunk = json!({
        "candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": INPUT_TOKENS, "cachedContentTokenCount": CACHED_TOKENS,
            "candidatesTokenCount": OUTPUT_TOKENS, "totalTokenCount": INPUT_TOKENS + OUTPUT_TOKENS},
        "modelVersion": "gemini-2.5-pro",
    });
    format!("data: {chunk}\r\n\r\n")
}

/// OpenAI Chat Completions streaming (`data:` lines, then `[DONE]`).
fn chat(n: u64, reply: &Reply) -> String {
    let id = format!("chatcmpl-{n:04}");
    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"id": id, "object": "chat.completion.chunk", "model": "scripted",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let mut out = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    let finish = match reply {
        Reply::Text(t) => {
            out += &chunk(json!({"content": t}), Value::Null);
            "stop"
        }
        Reply::Tools(calls) => {
            for (i, (name, input)) in calls.iter().enumerate() {
                out += &chunk(
                    json!({"tool_calls": [{"index": i, "id": format!("call_{n:04}_{i}"), "type": "function",
                        "function": {"name": name, "arguments": ""}}]}),
                    Value::Null,
                );
                out += &chunk(
                    json!({"tool_calls": [{"index": i, "function": {"arguments": input.to_string()}}]}),
                    Value::Null,
                );
            }
            "tool_calls"
        }
        _ => "stop",
    };
    out += &chunk(json!({}), json!(finish));
    out += &format!(
        "data: {}\n\n",
        json!({"id": id, "object": "chat.completion.chunk", "model": "scripted", "choices": [],
            "usage": {"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS,
                "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
                "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS}}})
    );
    out += "data: [DONE]\n\n";
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_server_plays_its_script_in_each_protocol() {
    let server = ModelServer::start(vec![
        Reply::tool("shell", json!({"cmd": "ls"})),
        Reply::Status {
            code: 429,
            message: "slow down".into(),
            retry_after: Some(1),
        },
        Reply::text("hi"),
    ]);
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let chat = http
        .post(format!("{}/v1/chat/completions", server.url))
        .bearer_auth("k1")
        .json(&json!({"messages": []}))
        .send()
        .await
        .expect("chat");
    let text = chat.text().await.expect("chat body");
    assert!(text.contains(r#""name":"shell""#), "{text}");
    assert!(text.contains(r#""finish_reason":"tool_calls""#), "{text}");
    assert!(text.trim_end().ends_with("data: [DONE]"), "{text}");
    let limited = http
        .post(format!("{}/v1/messages", server.url))
        .header("x-api-key", "k2")
        .json(&json!({}))
        .send()
        .await
        .expect("messages");
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(
        limited
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = limited.json().await.expect("error body");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let resp = http
        .post(format!("{}/v1/responses", server.url))
        .json(&json!({"input": "The verdict file is: /x/review.json\nmore"}))
        .send()
        .await
        .expect("responses")
        .text()
        .await
        .expect("responses body");
    assert!(
        resp.contains(r#""text":"hi","type":"output_text""#),
        "{resp}"
    );
    assert!(resp.contains("event: response.completed"), "{resp}");
    let reqs = server.requests();
    assert_eq!(
        reqs.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/v1/chat/completions", "/v1/messages", "/v1/responses"]
    );
    assert_eq!(
        reqs.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
        [Some("k1".into()), Some("k2".into()), None]
    );
    assert_eq!(
        find_review_file(&reqs[2].body).as_deref(),
        Some("/x/review.json")
    );
    assert_eq!(server.remaining(), 0);
    server.stop().await;
}
