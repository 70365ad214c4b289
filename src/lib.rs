//! The `zorgklas` platform as a library: the process wiring (`app`, `config`), the command line
//! and the demo. `main.rs` only parses arguments and calls [`cli::run`].

pub mod backup;
pub mod cli;
pub mod demo;

use anyhow::Context;
use zk_kernel::{config::Secret, http, Config, Platform};

/// Which services a process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ServiceName {
    Gateway,
    Tenant,
    Content,
    Learning,
    Billing,
    Lti,
}

/// Builds the router of one process: everything (`None`) or one service.
pub fn app(platform: &Platform, service: Option<ServiceName>) -> anyhow::Result<axum::Router> {
    let (tenant, content, learning, billing, lti) = (
        zk_tenant::openapi(),
        zk_content::openapi(),
        zk_learning::openapi(),
        zk_billing::openapi(),
        zk_lti::openapi(),
    );
    let fragments = [
        tenant.as_str(),
        content.as_str(),
        learning.as_str(),
        billing.as_str(),
        lti.as_str(),
    ];
    let gateway = || zk_gateway::router(platform.clone(), &fragments);
    let infra = http::infra_routes(platform.clone());
    Ok(match service {
        None => http::apply_layers(
            gateway()
                .merge(infra)
                .merge(zk_tenant::router(platform.clone()))
                .merge(zk_content::router(platform.clone()))
                .merge(zk_learning::router(platform.clone()))
                .merge(zk_billing::router(platform.clone()))
                .merge(zk_lti::router(platform.clone())),
            platform,
        ),
        Some(ServiceName::Gateway) => {
            let up = &platform.config.upstreams;
            let need = |v: &Option<String>, name: &str| {
                v.clone()
                    .with_context(|| format!("{name} must be set in split mode"))
            };
            let proxy = zk_gateway::proxy_router(
                zk_gateway::Upstreams {
                    tenant: need(&up.tenant, "ZK_TENANT_URL")?,
                    content: need(&up.content, "ZK_CONTENT_URL")?,
                    learning: need(&up.learning, "ZK_LEARNING_URL")?,
                    billing: need(&up.billing, "ZK_BILLING_URL")?,
                    lti: need(&up.lti, "ZK_LTI_URL")?,
                },
                platform.config.body_limit,
            );
            http::apply_edge_layers(gateway().merge(infra).merge(proxy), platform)
        }
        Some(ServiceName::Tenant) => {
            http::apply_layers(infra.merge(zk_tenant::router(platform.clone())), platform)
        }
        Some(ServiceName::Content) => {
            http::apply_layers(infra.merge(zk_content::router(platform.clone())), platform)
        }
        Some(ServiceName::Learning) => {
            http::apply_layers(infra.merge(zk_learning::router(platform.clone())), platform)
        }
        Some(ServiceName::Billing) => {
            http::apply_layers(infra.merge(zk_billing::router(platform.clone())), platform)
        }
        Some(ServiceName::Lti) => {
            http::apply_layers(infra.merge(zk_lti::router(platform.clone())), platform)
        }
    })
}

/// Reads the configuration; without `DATABASE_URL` starts the embedded cluster.
pub fn config() -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    if config.database_url.is_none() {
        let url = zk_kernel::embedded::start(&config.data_dir)?;
        config.database_url = Some(Secret::new(url));
    }
    Ok(config)
}
