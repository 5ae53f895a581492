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
                let mut conn = state.db.pool().acquire().await?;
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
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative().singlepart(text).singlepart(html))
        .map_err(|e| JobError::Permanent(format!("cannot build the message: {e}")))
}
