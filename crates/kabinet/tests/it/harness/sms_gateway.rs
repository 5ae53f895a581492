//! An SMS operator's HTTP gateway, scripted: it answers each message with the next status of its
//! script and keeps what it was sent.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

pub async fn start_gateway(script: Vec<u16>) -> (String, Arc<Mutex<Gateway>>) {
    let state = Arc::new(Mutex::new(Gateway {
        script,
        ..Gateway::default()
    }));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/send",
        post(
            move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                let shared = shared.clone();
                async move {
                    let mut gateway = shared.lock().expect("lock");
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    gateway.received.push((auth, body));
                    let status = if gateway.script.is_empty() {
                        200
                    } else {
                        gateway.script.remove(0)
                    };
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/send", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, state)
}

#[derive(Default)]
pub struct Gateway {
    pub received: Vec<(Option<String>, serde_json::Value)>,
    /// Statuses to answer, in order; 200 when they run out.
    script: Vec<u16>,
}
