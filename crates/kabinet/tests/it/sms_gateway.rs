//! The HTTP SMS gateway adapter against a real HTTP server started by the test: the JSON body and
//! bearer token it sends, a retry after the gateway fails, and a refusal that goes to the
//! dead-letter list.

use jiff::SignedDuration;

use crate::harness::sms_gateway::start_gateway;
use crate::harness::start_registration;
use crate::harness::{Options, TestApp, eventually};

fn with_gateway(url: String) -> Options {
    Options {
        configure: Box::new(move |c| {
            c.sms.gateway = server::config::SmsGatewayKind::Http;
            c.sms.url = Some(url);
            c.sms.token = Some(server::config::Secret::new("gw-token"));
            c.sms.sender = Some("Kabinet".into());
        }),
        ..Options::default()
    }
}

#[tokio::test]
async fn codes_go_to_the_gateway_and_a_failure_is_retried() {
    let (url, gateway) = start_gateway(vec![503]).await;
    let app = TestApp::spawn_with(with_gateway(url)).await;
    start_registration(&app, "+79120000031", "gw@example.ru").await;

    eventually("the gateway is called once", || async {
        gateway.lock().expect("lock").received.len() == 1
    })
    .await;
    app.clock.advance(SignedDuration::from_secs(11));
    app.state.wake_worker();
    eventually("the retry reaches the gateway", || async {
        gateway.lock().expect("lock").received.len() == 2
    })
    .await;

    let (auth, body) = gateway.lock().expect("lock").received[1].clone();
    assert_eq!(auth.as_deref(), Some("Bearer gw-token"));
    assert_eq!(body["to"], "+79120000031");
    assert_eq!(body["sender"], "Kabinet");
    assert!(
        body["text"]
            .as_str()
            .expect("text")
            .contains("код подтверждения")
    );
    assert!(
        store::outbox::list(&app.state.db, None, 5)
            .await
            .expect("outbox")
            .is_empty(),
        "nothing in the sandbox"
    );
}

#[tokio::test]
async fn a_message_the_gateway_refuses_goes_to_the_dead_letter_list() {
    let (url, gateway) = start_gateway(vec![400]).await;
    let app = TestApp::spawn_with(with_gateway(url)).await;
    start_registration(&app, "+79120000032", "gw2@example.ru").await;
    eventually("the refusal is recorded", || async {
        !store::jobs::list(&app.state.db, store::jobs::state::DEAD, 5)
            .await
            .expect("list")
            .is_empty()
    })
    .await;
    let dead = store::jobs::list(&app.state.db, store::jobs::state::DEAD, 5)
        .await
        .expect("list");
    assert_eq!(dead[0].kind, "channel.sms");
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("400"))
    );
    assert_eq!(
        gateway.lock().expect("lock").received.len(),
        1,
        "not retried"
    );
}
