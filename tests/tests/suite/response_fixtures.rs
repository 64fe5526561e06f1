//! Every JSON response body of every spec decodes into its generated type.
//!
//! Bodies come from the spec's own `example` where it has one, and from
//! `tests/fixtures/<spec>/<operationId>.<status>[.<variant>].json`
//! otherwise. The test walks the patched specs, so a new operation or status
//! without a body to try fails here by name.

use std::collections::BTreeSet;

use contract_tests::decoders::{decode, decoder, round_trip};
use contract_tests::spec;
use serde::Serialize;

#[test]
fn a_dropped_field_fails_the_round_trip() {
    /// A type that forgets one field of the body.
    #[derive(serde::Deserialize, Serialize, PartialEq, Debug)]
    struct Forgetful {
        detail: String,
    }
    let body = serde_json::json!({"detail": "2FA required", "login_2fa_token": "challenge"});
    let err = round_trip(decode::<Forgetful>, &body).unwrap_err();
    assert!(err.contains("login_2fa_token"), "{err}");
    assert!(round_trip(decode::<Forgetful>, &serde_json::json!({"detail": "x"})).is_ok());
}

/// The generated type of each (spec, operation, status) response body.
#[test]
fn every_json_response_body_matches_the_spec_and_decodes_round_trip() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for spec_name in &spec::specs() {
        let document = spec::load(spec_name);
        for response in spec::responses(&document) {
            if response.json_schema().is_none() {
                continue;
            }
            let (operation, status) = (&response.operation, &response.status);
            let Some(decode) = decoder(spec_name, operation, status) else {
                problems.push(format!(
                    "{spec_name}: {operation} {status}: no generated type mapped"
                ));
                continue;
            };
            let bodies = spec::bodies(spec_name, &response);
            if bodies.is_empty() {
                problems.push(format!(
                    "{spec_name}: {operation} {status}: no spec example and no tests/fixtures/{}/{operation}.{status}.*.json",
                    spec_name.trim_end_matches(".yaml")
                ));
            }
            for (source, body) in bodies {
                checked += 1;
                if let Err(err) = spec::validate(spec_name, operation, status, &body) {
                    problems.push(format!("{source}: does not match the spec: {err}"));
                }
                if let Err(err) = round_trip(decode, &body) {
                    problems.push(format!("{source}: {err}"));
                }
                // A field the spec does not know yet must not break decoding.
                if let serde_json::Value::Object(mut map) = body.clone() {
                    map.insert(
                        "field_added_later".into(),
                        serde_json::json!({"nested": [1, 2]}),
                    );
                    if let Err(err) = decode(&serde_json::Value::Object(map)) {
                        problems.push(format!("{source}: an unknown field breaks decoding: {err}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked >= 30,
        "only {checked} bodies checked: the spec walk found too little"
    );
}

#[test]
fn a_weeks_listing_decodes_as_weeks_and_a_months_listing_as_months() {
    use dvp_sdk::generated::types::{TimespanData, TimespanModel};

    let weeks: TimespanData =
        serde_json::from_value(serde_json::json!({"weeks": [{"week": 1}, {"week": 52}]})).unwrap();
    let TimespanData::WeekData(weeks) = weeks else {
        panic!("weeks decoded as {weeks:?}")
    };
    assert_eq!(
        weeks.weeks.iter().map(|w| w.week).collect::<Vec<_>>(),
        [1, 52]
    );

    let months: TimespanData =
        serde_json::from_value(serde_json::json!({"months": [{"month": 3}]})).unwrap();
    let TimespanData::MonthData(months) = months else {
        panic!("months decoded as {months:?}")
    };
    assert_eq!(months.months[0].month, 3);

    let week: TimespanModel = serde_json::from_value(serde_json::json!({"week": 23})).unwrap();
    assert!(
        matches!(week, TimespanModel::WeekModel(ref w) if w.week == 23),
        "{week:?}"
    );
    let month: TimespanModel = serde_json::from_value(serde_json::json!({"month": 6})).unwrap();
    assert!(
        matches!(month, TimespanModel::MonthModel(ref m) if m.month == 6),
        "{month:?}"
    );
}

#[test]
fn the_login_401_keeps_the_2fa_token() {
    let document = spec::load("hub-auth.yaml");
    let response = spec::responses(&document)
        .into_iter()
        .find(|r| r.operation == "postUsersLogin" && r.status == "401")
        .unwrap();
    let body = spec::bodies("hub-auth.yaml", &response)
        .into_iter()
        .find(|(source, _)| source.ends_with(".2fa.json"))
        .expect("2fa fixture")
        .1;
    let decoded: hub_auth::generated::types::LoginErrorResponse =
        serde_json::from_value(body).unwrap();
    assert!(decoded.login_2fa_token.is_some_and(|t| !t.is_empty()));
}

#[test]
fn login_is_generated_from_hub_auth_not_from_the_dvp_spec() {
    let operations = |name: &str| -> BTreeSet<String> {
        spec::responses(&spec::load(name))
            .into_iter()
            .map(|r| r.operation)
            .collect()
    };
    let dvp = operations("dvp.yaml");
    assert!(dvp.contains("getNamespaces"), "{dvp:?}");
    assert!(
        !dvp.iter().any(|op| op.contains("Login")),
        "DVP still has login: {dvp:?}"
    );
    let hub = operations("hub-auth.yaml");
    assert!(
        hub.contains("postUsersLogin") && hub.contains("postUsers2FALogin"),
        "{hub:?}"
    );
}
