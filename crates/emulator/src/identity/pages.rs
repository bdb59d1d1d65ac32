//! The pages Entra shows in the browser: the account picker, "Need admin approval", errors.

use crate::http::{Req, Resp};
use crate::state::{SpaApp, Tenant, User};

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn error_page(status: u16, code: u32, message: &str) -> Resp {
    Resp::html(
        status,
        format!(
            "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">AADSTS{code}: {}</p></body></html>",
            html_escape(message)
        ),
    )
}

/// Entra's "Need admin approval" page: the app needs a permission only an administrator can
/// grant (or the tenant lets no user consent). It offers another sign-in and a way back to
/// the app, which lands on the redirect URI as `access_denied` (AADSTS65004).
pub fn need_admin_approval_page(req: &Req, app: &SpaApp, user: &User, declined: &str) -> Resp {
    let again = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    Resp::html(
        200,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}</style></head>\
<body><p>{upn}</p><h1 id=\"title\">Need admin approval</h1>\
<p><strong>{name}</strong> <span>unverified</span></p>\
<p id=\"message\">{name} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>\
<p><a id=\"admin-account\" href=\"{again}\">Have an admin account? Sign in with that account</a></p>\
<p><a id=\"return\" href=\"{declined}\">Return to the application without granting consent</a></p>\
</body></html>",
            upn = html_escape(&user.upn),
            name = html_escape(&app.display_name),
            again = html_escape(&again),
            declined = html_escape(declined),
        ),
    )
    .header("Cache-Control", "no-store")
}

pub fn sign_in_page(tenant: &Tenant, req: &Req, notice: Option<&str>) -> Resp {
    let action = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let mut users = String::new();
    for u in &tenant.users {
        users.push_str(&format!(
            "<li><button type=\"submit\" name=\"upn\" value=\"{upn}\" data-upn=\"{upn}\"><strong>{name}</strong><br><span>{upn}</span></button></li>\n",
            upn = html_escape(&u.upn),
            name = html_escape(&u.display_name)
        ));
    }
    let notice = notice
        .map(|n| format!("<p role=\"alert\">{}</p>", html_escape(n)))
        .unwrap_or_default();
    Resp::html(
        200,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}ul{{list-style:none;padding:0}}button{{width:100%;text-align:left;padding:.6rem;margin:.3rem 0;cursor:pointer}}</style></head>\
<body><h1>Sign in</h1><p>{tenant} (tenant emulator)</p>{notice}<p>Pick an account</p>\
<form method=\"post\" action=\"{action}\"><ul>\n{users}</ul></form></body></html>",
            tenant = html_escape(&tenant.display_name),
            action = html_escape(&action),
        ),
    )
    .header("Cache-Control", "no-store")
}
