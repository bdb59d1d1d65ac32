//! Which directory an authority names, and what Entra says when an app may not sign in there.

use crate::state::{SpaApp, Tenant};

/// The authority segments that name no directory.
pub const GENERIC_TENANTS: [&str; 3] = ["organizations", "common", "consumers"];

/// Whether the authority's directory segment is one Entra answers for this tenant: a generic
/// one, the tenant's id or its domain.
pub fn is_known(tenant: &Tenant, segment: &str) -> bool {
    GENERIC_TENANTS.contains(&segment)
        || tenant.id.is(segment)
        || segment.eq_ignore_ascii_case(&tenant.domain)
}

/// AADSTS50194's text (Microsoft Learn, *Microsoft Entra authentication and authorization error
/// codes*).
pub fn not_multi_tenant(app: &SpaApp) -> String {
    format!(
        "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
        app.client_id, app.display_name
    )
}
