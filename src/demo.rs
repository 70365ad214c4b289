//! `zorgklas demo`: embedded defaults, two demo members with their own branding, a user in every
//! role, an operator; prints the URLs and logins, then serves. Safe to run again.

use crate::{app, config};
use serde::Deserialize;
use std::net::SocketAddr;
use zk_kernel::{authz::Role, db::Db, http, Platform, TenantId};
use zk_tenant::domain::{accounts, branding, members};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Zorgklas-demo-2026";

#[derive(Deserialize)]
struct DemoMember {
    slug: String,
    name: String,
    employees: i64,
    primary_color: String,
    accent_color: String,
    support_email: String,
    welcome_markdown: String,
}

const MEMBERS: &str = include_str!("../tenants/demo/members.json");

const ROLE_USERS: [(&str, Role); 5] = [
    ("beheerder", Role::Admin),
    ("auteur", Role::Author),
    ("docent", Role::Teacher),
    ("beoordelaar", Role::Reviewer),
    ("leerling", Role::Learner),
];

/// Seeds and serves.
pub async fn run(listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let mut config = config()?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    Db::connect(&config)?.migrate().await?;
    let p = Platform::start(config).await?;
    let err = |e: zk_kernel::AppError| anyhow::anyhow!("{}: {}", e.code, e.message);

    let nzk = p
        .directory
        .load(TenantId::PLATFORM)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("platform tenant missing"))?;
    accounts::ensure_user(
        &p,
        &nzk,
        "operator@zorgklas.demo",
        Role::Operator,
        Some(DEMO_PASSWORD),
    )
    .await
    .map_err(err)?;

    let demo: Vec<DemoMember> = serde_json::from_str(MEMBERS)?;
    let listener = tokio::net::TcpListener::bind(p.config.listen).await?;
    println!("\nZorgklas demo draait. Wachtwoord van elk demo-account: {DEMO_PASSWORD}\n");
    println!(
        "NZK-console:   {}/console   login operator@zorgklas.demo",
        p.config.platform_url()
    );
    for m in &demo {
        let id = match members::get(&p, &m.slug).await {
            Ok(row) => TenantId(row.id),
            Err(_) => {
                let input = members::NewMemberInput {
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                    admin_email: format!("beheerder@{}.demo", m.slug),
                    employee_count: Some(m.employees),
                };
                TenantId(
                    members::create(&p, members::NewMember::parse(&input).map_err(err)?)
                        .await
                        .map_err(err)?
                        .member
                        .id,
                )
            }
        };
        let tenant = p
            .directory
            .load(id)
            .await
            .map_err(err)?
            .ok_or_else(|| anyhow::anyhow!("demo member missing"))?;
        let input = branding::BrandingInput {
            name: m.name.clone(),
            primary_color: m.primary_color.clone(),
            accent_color: m.accent_color.clone(),
            welcome_markdown: m.welcome_markdown.clone(),
            support_email: Some(m.support_email.clone()),
        };
        branding::update(&p, &tenant, &input).await.map_err(err)?;
        println!("\n{} — {}", m.name, p.config.tenant_url(&m.slug));
        for (local, role) in ROLE_USERS {
            let email = format!("{local}@{}.demo", m.slug);
            accounts::ensure_user(&p, &tenant, &email, role, Some(DEMO_PASSWORD))
                .await
                .map_err(err)?;
            println!("  {:<12} {email}", role.as_str());
        }
    }
    println!(
        "\nStop met Ctrl-C. Gegevens staan in {}.\n",
        p.config.data_dir.display()
    );
    let router = app(&p, None)?;
    let served = http::serve(listener, router, http::shutdown_signal()).await;
    zk_kernel::embedded::stop_if_started(&p.config.data_dir);
    served?;
    Ok(())
}
