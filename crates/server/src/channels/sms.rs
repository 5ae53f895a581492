//! The SMS port: an HTTP gateway (the JSON-over-HTTPS shape most Russian SMS operators offer) or
//! the sandbox.

use std::time::Duration;

use super::{ChannelConfigError, Sms};
use crate::config::{Secret, SmsConfig, SmsGatewayKind};
use crate::state::AppState;
use crate::worker::JobError;

pub enum SmsGateway {
    Sandbox,
    Http {
        client: reqwest::Client,
        url: String,
        token: Option<Secret>,
        sender: Option<String>,
    },
}

impl SmsGateway {
    pub fn from_config(config: &SmsConfig) -> Result<Self, ChannelConfigError> {
        match config.gateway {
            SmsGatewayKind::Sandbox => Ok(SmsGateway::Sandbox),
            SmsGatewayKind::Http => {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(15))
                    .build()
                    .map_err(|e| ChannelConfigError {
                        key: "sms.url",
                        message: e.to_string(),
                    })?;
                Ok(SmsGateway::Http {
                    client,
                    url: config.url.clone().unwrap_or_default(),
                    token: config.token.clone(),
                    sender: config.sender.clone(),
                })
            }
        }
    }

    pub async fn send(&self, state: &AppState, sms: &Sms) -> Result<(), JobError> {
        match self {
            SmsGateway::Sandbox => {
                let mut conn = state.db.connection().await?;
                store::outbox::insert(&mut conn, "sms", &sms.to, None, &sms.text, state.now())
                    .await?;
                Ok(())
            }
            SmsGateway::Http {
                client,
                url,
                token,
                sender,
            } => {
                let body = serde_json::json!({ "to": sms.to, "text": sms.text, "sender": sender });
                let mut request = client.post(url).json(&body);
                if let Some(token) = token {
                    request = request.bearer_auth(token.expose());
                }
                let response = request
                    .send()
                    .await
                    .map_err(|e| JobError::Retry(format!("SMS gateway unreachable: {e}")))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else if status.is_client_error() && status.as_u16() != 429 {
                    Err(JobError::Permanent(format!(
                        "SMS gateway refused the message: HTTP {status}"
                    )))
                } else {
                    Err(JobError::Retry(format!(
                        "SMS gateway failed: HTTP {status}"
                    )))
                }
            }
        }
    }
}
