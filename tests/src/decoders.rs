//! The generated type of every documented JSON response body, and the
//! round trip (decode, encode, compare with the input) the tests hold each
//! body to.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes a body into one generated type and encodes it again.
pub type Decode = fn(&Value) -> Result<Value, String>;

/// Decodes into `T` and encodes the value again.
pub fn decode<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    body: &Value,
) -> Result<Value, String> {
    let decoded = T::deserialize(body).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| e.to_string())
}

/// Decodes and checks that encoding gives the input body back: a field
/// the type drops or renames fails here (the login 401's `login_2fa_token`
/// was such a field). Absent, `null` and (for optional lists and maps) `[]`
/// and `{}` mean the same to the specs, so those members are ignored on
/// both sides.
pub fn round_trip(decode: Decode, body: &Value) -> Result<(), String> {
    let encoded = decode(body)?;
    if normalized(&encoded) == normalized(body) {
        Ok(())
    } else {
        Err(format!("round trip changed {body} into {encoded}"))
    }
}

/// `value` without `null`, `[]` and `{}` object members, recursively.
pub fn normalized(value: &Value) -> Value {
    let empty = |v: &Value| {
        v.is_null()
            || v.as_array().is_some_and(Vec::is_empty)
            || v.as_object().is_some_and(serde_json::Map::is_empty)
    };
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalized(v)))
                .filter(|(_, v)| !empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

/// The generated type of each (spec, operation, status) response body.
pub fn decoder(spec: &str, operation: &str, status: &str) -> Option<Decode> {
    use account_sdk::generated::types as acct;
    use dvp_sdk::generated::types as dvp;
    use enterprise_data_sdk::generated::types as ent;
    use hub_auth::generated::types as hub;
    use hub_sdk::generated::types as hubd;
    Some(match (spec, operation, status) {
        ("hub.yaml", "AuditLogs_ListAuditLogs", "200") => decode::<hubd::GetAuditLogsResponse>,
        ("hub.yaml", "AuditLogs_ListAuditLogs", _) => {
            decode::<hubd::AuditLogsListAuditLogsErrorBody>
        }
        ("hub.yaml", "AuditLogs_ListAuditActions", "200") => {
            decode::<hubd::GetAuditActionsResponse>
        }
        ("hub.yaml", "AuditLogs_ListAuditActions", _) => {
            decode::<hubd::AuditLogsListAuditActionsErrorBody>
        }
        ("hub.yaml", "listOrgMembers", "200") => decode::<hubd::OrgMemberPage>,
        ("hub.yaml", "listOrgMembers", _) => decode::<hubd::ListOrgMembersErrorBody>,
        ("hub.yaml", "exportOrgMembers", _) => decode::<hubd::ExportOrgMembersErrorBody>,
        ("hub.yaml", "listNamespaceRepositories", "200") => decode::<hubd::RepositoryPage>,
        ("hub.yaml", "listNamespaceRepositories", _) => {
            decode::<hubd::ListNamespaceRepositoriesErrorBody>
        }
        ("hub.yaml", "ListRepositoryTags", "200") => decode::<hubd::TagPage>,
        ("hub.yaml", "ListRepositoryTags", _) => decode::<hubd::ListRepositoryTagsErrorBody>,
        ("dvp.yaml", "getNamespaces", "200") => decode::<dvp::NamespaceData>,
        ("dvp.yaml", "getNamespace", "200") => decode::<dvp::NamespaceMetadata>,
        ("dvp.yaml", "getNamespaceYears", "200") => decode::<dvp::YearData>,
        ("dvp.yaml", "getNamespaceTimespans", "200") => decode::<dvp::TimespanData>,
        ("dvp.yaml", "getNamespaceTimespanMetadata", "200") => decode::<dvp::TimespanModel>,
        ("dvp.yaml", "getNamespaceDataByTimespan", "200") => decode::<dvp::ResponseData>,
        ("dvp.yaml", "getUserNamespaces", "200") => decode::<Vec<dvp::NamespaceMetadata>>,
        ("dvp.yaml", "getNamespacePulls" | "getRepoPulls", "200") => decode::<dvp::PullData>,
        ("dvp.yaml", "getManyReposPulls", "200") => decode::<dvp::ReposPullData>,
        ("account.yaml", "getUser" | "updateUser", "200") => decode::<acct::User>,
        ("account.yaml", "listUserEmails", "200") => decode::<Vec<acct::Email>>,
        ("account.yaml", "addUserEmail", "200" | "201") => decode::<acct::Email>,
        ("hub-auth.yaml", "createAccessToken", "200") => decode::<hub::CreateAccessTokenResponse>,
        ("hub-auth.yaml", "createAccessToken", "400" | "401" | "429") => decode::<hub::HubError>,
        ("hub-auth.yaml", "postUsersLogin" | "postUsers2FALogin", "200") => {
            decode::<hub::LoginResponse>
        }
        ("hub-auth.yaml", "postUsersLogin", "401") => decode::<hub::LoginErrorResponse>,
        ("hub-auth.yaml", "postUsers2FALogin", "401") => decode::<hub::TwoFactorLoginErrorResponse>,
        ("enterprise-data.yaml", "listReportTypes", "200") => {
            decode::<ent::ListReportTypesResponse>
        }
        ("enterprise-data.yaml", "listReports", "200") => decode::<ent::ListReportsResponse>,
        ("enterprise-data.yaml", "getReportSchema", "200") => decode::<ent::ReportSchema>,
        ("enterprise-data.yaml", _, "400" | "401" | "403" | "404" | "500") => decode::<ent::Error>,
        _ => return None,
    })
}
