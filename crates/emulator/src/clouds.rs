//! Microsoft's clouds by host name: which sign-in, discovery and Graph hosts belong together,
//! and which Dataverse host suffixes each cloud's environments live under.
//!
//! The emulator answers every cloud on its one port (the browser maps the names onto it), so
//! a request's Host header decides the cloud, and with it every URL the answer names. The
//! table is Microsoft's published endpoints, kept here rather than taken from the app's core:
//! the emulator stands in for Microsoft and must not share the app's assumptions.

/// A Microsoft cloud, as far as host names tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Public,
    /// US Government Community Cloud: public sign-in and Graph, its own Dataverse region.
    Gcc,
    GccHigh,
    Dod,
    China,
}

impl Cloud {
    /// Every cloud, in the order host names are matched (public first: GCC shares its
    /// sign-in and Graph hosts).
    pub const ALL: [Cloud; 5] = [
        Cloud::Public,
        Cloud::Gcc,
        Cloud::GccHigh,
        Cloud::Dod,
        Cloud::China,
    ];

    /// The Entra sign-in host.
    pub fn identity_host(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc => "login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "login.microsoftonline.us",
            Cloud::China => "login.chinacloudapi.cn",
        }
    }

    /// The Global Discovery Service host.
    pub fn discovery_host(self) -> &'static str {
        match self {
            Cloud::Public => "globaldisco.crm.dynamics.com",
            Cloud::Gcc => "globaldisco.crm9.dynamics.com",
            Cloud::GccHigh => "globaldisco.crm.microsoftdynamics.us",
            Cloud::Dod => "globaldisco.crm.appsplatform.us",
            Cloud::China => "globaldisco.crm.dynamics.cn",
        }
    }

    /// The Microsoft Graph host.
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc => "graph.microsoft.com",
            Cloud::GccHigh => "graph.microsoft.us",
            Cloud::Dod => "dod-graph.microsoft.us",
            Cloud::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    /// Other names of the sign-in host (Entra's instance-discovery aliases).
    pub fn identity_aliases(self) -> &'static [&'static str] {
        match self {
            Cloud::Public | Cloud::Gcc => &[
                "login.microsoftonline.com",
                "login.windows.net",
                "login.microsoft.com",
                "sts.windows.net",
            ],
            Cloud::GccHigh | Cloud::Dod => &["login.microsoftonline.us", "login.usgovcloudapi.net"],
            Cloud::China => &["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
        }
    }

    /// `cloud_instance_name` in the OpenID metadata.
    pub fn instance_name(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc => "microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "microsoftonline.us",
            Cloud::China => "partner.microsoftonline.cn",
        }
    }

    /// The cloud a Dataverse environment host belongs to (`None`: not an environment host).
    pub fn of_environment_host(host: &str) -> Option<Cloud> {
        let host = host.to_ascii_lowercase();
        if host.starts_with("globaldisco.") {
            return None;
        }
        let under = |suffix: &str| host.ends_with(suffix) && host.len() > suffix.len();
        if under(".crm9.dynamics.com") {
            Some(Cloud::Gcc)
        } else if under(".dynamics.com") {
            Some(Cloud::Public)
        } else if under(".crm.microsoftdynamics.us") {
            Some(Cloud::GccHigh)
        } else if under(".crm.appsplatform.us") {
            Some(Cloud::Dod)
        } else if under(".crm.dynamics.cn") {
            Some(Cloud::China)
        } else {
            None
        }
    }

    /// Whether `host` is any cloud's Graph host.
    pub fn is_graph_host(host: &str) -> bool {
        Cloud::ALL
            .iter()
            .any(|c| c.graph_host().eq_ignore_ascii_case(host))
    }

    /// Whether `host` is any cloud's discovery host.
    pub fn is_discovery_host(host: &str) -> bool {
        Cloud::ALL
            .iter()
            .any(|c| c.discovery_host().eq_ignore_ascii_case(host))
    }
}

/// Which service of which cloud a (lower-case) host name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRole {
    Identity,
    Discovery,
    Graph,
    Environment,
}

/// The cloud and service a host name stands for, if it is one of Microsoft's.
pub fn classify(host: &str) -> Option<(Cloud, HostRole)> {
    for cloud in Cloud::ALL {
        if host == cloud.identity_host() {
            return Some((cloud, HostRole::Identity));
        }
        if host == cloud.discovery_host() {
            return Some((cloud, HostRole::Discovery));
        }
        if host == cloud.graph_host() {
            return Some((cloud, HostRole::Graph));
        }
    }
    Cloud::of_environment_host(host).map(|c| (c, HostRole::Environment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_sort_into_their_clouds() {
        assert_eq!(
            classify("login.microsoftonline.com"),
            Some((Cloud::Public, HostRole::Identity))
        );
        assert_eq!(
            classify("login.microsoftonline.us"),
            Some((Cloud::GccHigh, HostRole::Identity))
        );
        assert_eq!(
            classify("globaldisco.crm9.dynamics.com"),
            Some((Cloud::Gcc, HostRole::Discovery))
        );
        assert_eq!(
            classify("contoso.crm4.dynamics.com"),
            Some((Cloud::Public, HostRole::Environment))
        );
        assert_eq!(
            classify("contoso.crm9.dynamics.com"),
            Some((Cloud::Gcc, HostRole::Environment))
        );
        assert_eq!(
            classify("contosogov.crm.microsoftdynamics.us"),
            Some((Cloud::GccHigh, HostRole::Environment))
        );
        assert_eq!(classify("example.org"), None);
        assert_eq!(
            Cloud::of_environment_host("globaldisco.crm.dynamics.com"),
            None
        );
    }
}
