//! The generated clients against the generated httpmock helpers: requests go
//! where the spec says, responses decode to the right variant, and nothing
//! follows a redirect with the bearer token attached.

use std::sync::Arc;

use contract_tests::mock::{dvp::MockServerExt as _, enterprise_data::MockServerExt as _};
use dvp_sdk::TimespanKind as TimespanType;
use dvp_sdk::generated::types::{TimespanData, WeekData, WeekModel};
use futures::future::BoxFuture;
use httpmock::MockServer;
use sdk_core::{ApiContext, AuthError, TokenSource};
use secrecy::SecretString;

/// Always hands out the same token.
struct FixedToken(&'static str);

impl TokenSource for FixedToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, AuthError>> {
        Box::pin(async { Ok(SecretString::from(self.0)) })
    }
    fn invalidate(&self, _rejected: &SecretString) {}
}

fn context() -> ApiContext {
    ApiContext::with_token_source(Arc::new(FixedToken("test-jwt")))
}

fn http() -> reqwest::Client {
    sdk_core::http::client_builder().build().unwrap()
}

#[tokio::test]
async fn weeks_call_returns_weeks_with_bearer_and_without_api_version_header() {
    let server = MockServer::start_async().await;
    let weeks = TimespanData::WeekData(WeekData {
        weeks: vec![WeekModel { week: 1 }, WeekModel { week: 2 }],
    });
    let mock = server.get_namespace_timespans(|when, then| {
        let when = when
            .namespace("acme")
            .year(2026)
            .timespantype(&TimespanType::Weeks)
            .into_inner()
            .header("authorization", "Bearer test-jwt")
            .header_missing("api-version");
        let _ = when;
        then.ok(&weeks);
    });

    let client = dvp_sdk::generated::Client::new_with_client(&server.base_url(), http(), context());
    let response = client
        .get_namespace_timespans()
        .namespace("acme")
        .year(2026)
        .timespantype(TimespanType::Weeks)
        .send()
        .await
        .expect("weeks listing");
    mock.assert_async().await;
    assert_eq!(response.into_inner(), weeks);
}

#[tokio::test]
async fn report_download_redirect_is_not_followed_by_the_generated_client() {
    let api = MockServer::start_async().await;
    let store = MockServer::start_async().await;
    let object = store.mock(|when, then| {
        when.any_request();
        then.status(200).body("a,b\n1,2\n");
    });
    let location = format!("{}/bucket/report.csv?X-Amz-Signature=s", store.base_url());
    api.get_report_download_url(|when, then| {
        let _ = when
            .org_name(&"my-org".parse().unwrap())
            .date(&"2026-06-16".parse().unwrap())
            .into_inner()
            .header("authorization", "Bearer test-jwt");
        then.found().into_inner().header("location", &location);
    });

    let client =
        enterprise_data_sdk::generated::Client::new_with_client(&api.base_url(), http(), context());
    let result = client
        .get_report_download_url()
        .org_name("my-org")
        .type_("usage_pulls")
        .cadence("daily")
        .date("2026-06-16".parse::<chrono::NaiveDate>().unwrap())
        .send()
        .await;
    // 302 is not a documented success, so the generated client hands the
    // untouched response back; the wrapper reads Location from it.
    let response = match result {
        Err(enterprise_data_sdk::generated::Error::UnexpectedResponse(response)) => response,
        Err(other) => panic!("expected the 302 back, got {other:?}"),
        Ok(ok) => panic!("expected the 302 back, got status {}", ok.status()),
    };
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], location.as_str());
    assert_eq!(
        object.calls_async().await,
        0,
        "the object store was contacted"
    );
}

#[tokio::test]
async fn invalid_org_name_is_rejected_before_any_request() {
    let api = MockServer::start_async().await;
    let any = api.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let client =
        enterprise_data_sdk::generated::Client::new_with_client(&api.base_url(), http(), context());
    let result = client
        .list_report_types()
        .org_name("Bad Org/..")
        .send()
        .await;
    assert!(
        matches!(
            result,
            Err(enterprise_data_sdk::generated::Error::InvalidRequest(_))
        ),
        "{result:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[test]
fn every_operation_table_entry_names_the_id_the_hooks_receive() {
    let tables = [
        (
            "hub-auth/src/generated/mod.rs",
            hub_auth::generated::OPERATIONS,
        ),
        (
            "dvp-sdk/src/generated/mod.rs",
            dvp_sdk::generated::OPERATIONS,
        ),
        (
            "enterprise-data-sdk/src/generated/mod.rs",
            enterprise_data_sdk::generated::OPERATIONS,
        ),
    ];
    for (file, operations) in tables {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(file),
        )
        .unwrap();
        let sent = text.matches("operation_id: \"").count();
        assert_eq!(
            operations.len(),
            sent,
            "{file}: table and operations differ in number"
        );
        for op in operations {
            assert!(
                text.contains(&format!("operation_id: \"{}\"", op.name)),
                "{file}: no operation {}",
                op.name
            );
            assert!(op.path.starts_with('/'), "{op:?}");
        }
    }
}
