//! Command-line interface (clap): the contract in DESIGN.md.

use crate::{app, config, demo, ServiceName};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use zk_kernel::{authz::Role, http, paging::Paging, Platform, Tenant, TenantId};
use zk_tenant::domain::{accounts, members, tokens};

/// The Zorgklas platform.
#[derive(Parser, Debug)]
#[command(
    name = "zorgklas",
    version,
    about = "Leerplatform van de Nationale Zorgklas"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the platform (all services, or one with --service).
    Serve {
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long, value_enum)]
        service: Option<ServiceName>,
    },
    /// Embedded defaults, demo members and users, then serve; prints URLs and logins.
    Demo {
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply database migrations.
    Migrate,
    /// A consistent backup of the whole platform (database and stored files) into a new folder.
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty database and object store.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Operator tasks on members.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Platform operator accounts.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Member accounts (support task).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
enum TenantCommand {
    /// Create a member and its admin's invitation.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value_t = 0)]
        employees: i64,
    },
    /// Create many members at once (benchmarks): {prefix}0001 … {prefix}NNNN.
    CreateBulk {
        #[arg(long)]
        count: u32,
        #[arg(long, default_value = "m")]
        prefix: String,
    },
    /// List every member, newest first.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Suspend a member (its portal closes; nothing is deleted).
    Suspend { slug: String },
    /// Resume a suspended member.
    Resume { slug: String },
}

#[derive(Subcommand, Debug)]
enum OperatorCommand {
    /// Create an NZK operator; prints a one-time set-password link (or sets --password).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a member's account (or add the role); prints a one-time set-password link.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        /// Set the password directly instead (support, benchmarks).
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Print an API bearer token for an operator or a member user.
    Create {
        #[arg(long, conflicts_with_all = ["tenant", "email"])]
        operator: Option<String>,
        #[arg(long, requires = "email")]
        tenant: Option<String>,
        #[arg(long, requires = "tenant")]
        email: Option<String>,
        /// Days the token stays valid (1 to 365).
        #[arg(long, default_value_t = zk_tenant::domain::tokens::DEFAULT_DAYS)]
        days: u32,
    },
}

/// Shows an error of a domain call on the command line.
fn cli_err(e: zk_kernel::AppError) -> anyhow::Error {
    match &e.field {
        Some(f) => anyhow::anyhow!("{} ({}; veld: {f})", e.message, e.code),
        None => anyhow::anyhow!("{} ({})", e.message, e.code),
    }
}

async fn platform() -> anyhow::Result<Platform> {
    Platform::start(config()?).await
}

async fn member(p: &Platform, slug: &str) -> anyhow::Result<Tenant> {
    let row = members::get(p, slug)
        .await
        .map_err(|_| anyhow::anyhow!("lid '{slug}' bestaat niet"))?;
    p.directory
        .load(TenantId(row.id))
        .await
        .map_err(cli_err)?
        .context("lid niet gevonden")
}

async fn platform_tenant(p: &Platform) -> anyhow::Result<Tenant> {
    p.directory
        .load(TenantId::PLATFORM)
        .await
        .map_err(cli_err)?
        .context("platform tenant missing: run `zorgklas migrate`")
}

/// Runs a command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, service } => serve(listen, service).await,
        Command::Demo { listen } => demo::run(listen).await,
        Command::Migrate => {
            zk_kernel::db::Db::connect(&config()?)?.migrate().await?;
            println!("migraties uitgevoerd");
            Ok(())
        }
        Command::Backup { to } => {
            let m = crate::backup::backup(&config()?, &to).await?;
            println!(
                "reservekopie in {}: database en {} bestanden",
                to.display(),
                m.objects.len()
            );
            Ok(())
        }
        Command::Restore { from } => {
            let m = crate::backup::restore(&config()?, &from).await?;
            println!(
                "teruggezet uit {}: database en {} bestanden",
                from.display(),
                m.objects.len()
            );
            Ok(())
        }
        Command::Tenant { command } => tenant(command).await,
        Command::Operator {
            command: OperatorCommand::Create { email, password },
        } => {
            let p = platform().await?;
            let t = platform_tenant(&p).await?;
            let (user, link) =
                accounts::ensure_user(&p, &t, &email, Role::Operator, password.as_deref())
                    .await
                    .map_err(cli_err)?;
            println!("operator {} ({})", user.email, user.id);
            if let Some(link) = link {
                println!("eenmalige link om het wachtwoord in te stellen: {link}");
            }
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    tenant,
                    email,
                    role,
                    password,
                },
        } => {
            let p = platform().await?;
            let t = member(&p, &tenant).await?;
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Operator)
                .with_context(|| format!("onbekende rol '{role}'"))?;
            let (user, link) = accounts::ensure_user(&p, &t, &email, role, password.as_deref())
                .await
                .map_err(cli_err)?;
            println!(
                "gebruiker {} ({}) bij {} met rol {}",
                user.email,
                user.id,
                t.slug,
                role.as_str()
            );
            if let Some(link) = link {
                println!("eenmalige link om het wachtwoord in te stellen: {link}");
            }
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    operator,
                    tenant,
                    email,
                    days,
                },
        } => {
            let p = platform().await?;
            let (t, email) = match (operator, tenant, email) {
                (Some(op), _, _) => (platform_tenant(&p).await?, op),
                (None, Some(slug), Some(email)) => (member(&p, &slug).await?, email),
                _ => anyhow::bail!("geef --operator E, of --tenant S --email E"),
            };
            println!(
                "{}",
                tokens::create(&p, &t, &email, "cli", Some(days))
                    .await
                    .map_err(cli_err)?
            );
            Ok(())
        }
    }
}

async fn serve(listen: Option<SocketAddr>, service: Option<ServiceName>) -> anyhow::Result<()> {
    let mut config = config()?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    let platform = Platform::start(config).await?;
    let router = app(&platform, service)?;
    let listener = tokio::net::TcpListener::bind(platform.config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, service = ?service, "listening");
    let served = http::serve(
        listener,
        router,
        http::shutdown_signal(),
        platform.config.request_timeout + std::time::Duration::from_secs(1),
    )
    .await;
    zk_kernel::embedded::stop_if_started(&platform.config.data_dir);
    served?;
    Ok(())
}

async fn tenant(command: TenantCommand) -> anyhow::Result<()> {
    let p = platform().await?;
    match command {
        TenantCommand::Create {
            slug,
            name,
            admin_email,
            employees,
        } => {
            let input = members::NewMemberInput {
                slug,
                name,
                admin_email,
                employee_count: Some(employees),
            };
            let created = members::create(&p, members::NewMember::parse(&input).map_err(cli_err)?)
                .await
                .map_err(cli_err)?;
            println!(
                "lid {} aangemaakt: {}",
                created.member.slug,
                p.config.tenant_url(&created.member.slug)
            );
            println!("uitnodiging voor de beheerder: {}", created.invite_url);
        }
        TenantCommand::CreateBulk { count, prefix } => {
            for i in 1..=count {
                let slug = format!("{prefix}{i:04}");
                let input = members::NewMemberInput {
                    slug: slug.clone(),
                    name: format!("Lid {i}"),
                    admin_email: format!("beheer@{slug}.test"),
                    employee_count: Some(i64::from(i % 600)),
                };
                members::create(&p, members::NewMember::parse(&input).map_err(cli_err)?)
                    .await
                    .map_err(cli_err)?;
            }
            println!("{count} leden aangemaakt");
        }
        TenantCommand::List { search } => {
            // Every member, page by page.
            let mut paging = Some(Paging::first(members::PER_PAGE.max));
            while let Some(current) = paging {
                let page = members::list(&p, search.as_deref(), current)
                    .await
                    .map_err(cli_err)?;
                for m in &page.items {
                    println!(
                        "{}\t{}\t{}\t{} medewerkers",
                        m.slug, m.status, m.name, m.employee_count
                    );
                }
                paging = current.next().filter(|_| page.page < page.pages);
            }
        }
        TenantCommand::Suspend { slug } => {
            let m = members::set_active(&p, &slug, false)
                .await
                .map_err(cli_err)?;
            println!("lid {} opgeschort", m.slug);
        }
        TenantCommand::Resume { slug } => {
            let m = members::set_active(&p, &slug, true)
                .await
                .map_err(cli_err)?;
            println!("lid {} hervat", m.slug);
        }
    }
    Ok(())
}
