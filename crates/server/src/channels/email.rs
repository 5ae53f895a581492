//! E-mail through SMTP (lettre: STARTTLS, TLS or plain to a local relay; credentials from the
//! configuration), or the sandbox outbox when no SMTP server is configured.

use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{ChannelConfigError, Email};
use crate::config::{EmailConfig, SmtpTls};
use crate::state::AppState;
use crate::worker::JobError;

pub enum Mailer {
    Sandbox,
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn from_config(config: &EmailConfig) -> Result<Self, ChannelConfigError> {
        let Some(host) = &config.smtp_host else {
            return Ok(Mailer::Sandbox);
        };
        let bad = |key, e: &dyn std::fmt::Display| ChannelConfigError {
            key,
            message: e.to_string(),
        };
        let from: Mailbox = config.from.parse().map_err(|e| bad("email.from", &e))?;
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| bad("email.smtp_host", &e))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| bad("email.smtp_host", &e))?,
        };
        let mut builder = builder.port(config.smtp_port);
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Mailer::Smtp {
            transport: builder.build(),
            from,
        })
    }

    pub async fn send(&self, state: &AppState, email: &Email) -> Result<(), JobError> {
        match self {
            Mailer::Sandbox => {
                let mut conn = state.db.connection().await?;
                store::outbox::insert(
                    &mut conn,
                    "email",
                    &email.to,
                    Some(&email.subject),
                    &email.text,
                    state.now(),
                )
                .await?;
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let message = build(from, email)?;
                match transport.send(message).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_permanent() => {
                        Err(JobError::Permanent(format!("SMTP refused: {e}")))
                    }
                    Err(e) => Err(JobError::Retry(format!("SMTP failed: {e}"))),
                }
            }
        }
    }
}

fn build(from: &Mailbox, email: &Email) -> Result<Message, JobError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| JobError::Permanent(format!("bad recipient address: {e}")))?;
    // Quoted-printable keeps codes and links readable in the raw message.
    let text = SinglePart::builder()
        .header(header::ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(email.text.clone());
    let html = SinglePart::builder()
        .header(header::ContentType::TEXT_HTML)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(email.html.clone());
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    if let Some(url) = &email.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative().singlepart(text).singlepart(html))
        .map_err(|e| JobError::Permanent(format!("cannot build the message: {e}")))
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail programs may unsubscribe
/// with one POST, without the person signing in.
#[derive(Clone)]
struct ListUnsubscribePost;

impl header::Header for ListUnsubscribePost {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}
