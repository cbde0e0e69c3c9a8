//! One function per verb; `run` routes the parsed command line to it.

pub mod admin;
pub mod capture;
pub mod coach;

pub use capture::company_id;
pub use coach::load_templates;
pub mod company;
pub mod intel;
pub mod sync;
pub mod users;
pub mod views;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::ctx::Ctx;
use crate::error::Result;

pub fn run(cli: Cli) -> Result<()> {
    // Commands that need no database.
    match &cli.command {
        Command::Completions(a) => {
            clap_complete::generate(
                a.shell,
                &mut Cli::command(),
                "casefile",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        Command::Man(a) => return views::man(a.dir.clone()),
        Command::Check(_) | Command::Templates(_) => {}
        _ => {}
    }
    if let Command::Intel(crate::cli::IntelCommand::Import { file }) = &cli.command {
        return intel::import(cli.db.clone(), file, cli.json);
    }
    if let Command::Serve(a) = &cli.command {
        use casefile_web::{Listen, serve, tls::Tls};
        let settings = users::with_database(crate::ctx::settings(cli.db.clone())?, &a.database)?;
        let listen = Listen {
            bind: a.bind.clone(),
            port: a.port,
            allow_plain_http: a.allow_plain_http,
            tls: match (&a.tls_cert, &a.tls_key) {
                (Some(cert), Some(key)) => Tls::Files {
                    cert: cert.clone(),
                    key: key.clone(),
                },
                _ if a.tls_self_signed => Tls::SelfSigned {
                    dir: users::tls_dir(&settings)?,
                },
                _ => Tls::Off,
            },
        };
        return serve(settings, listen);
    }
    if let Command::Sync(crate::cli::SyncArgs {
        command: Some(c), ..
    }) = &cli.command
    {
        let settings = crate::ctx::settings(cli.db.clone())?;
        return sync::account(&settings, c, cli.json);
    }
    if let Command::Users(u) = &cli.command {
        let settings = crate::ctx::settings(cli.db.clone())?;
        return users::run(settings, u, cli.json);
    }
    // The tone check and the template list need a database only when a case is named.
    if let Command::Templates(t) = &cli.command {
        return coach::templates(t, cli.json);
    }
    if let Command::Check(a) = &cli.command
        && a.case.is_none()
    {
        return coach::check(None, a, cli.json);
    }
    let mut ctx = Ctx::open(cli.db, cli.json, cli.reveal)?;
    let ctx = &mut ctx;
    use casefile_app::ops::Settlement;

    match cli.command {
        Command::Open(a) => capture::open(ctx, a),
        Command::Goal(a) => capture::goal(ctx, a),
        Command::Fact(a) => capture::fact(ctx, a),
        Command::Log(a) => capture::log(ctx, a),
        Command::Call(a) => crate::console::run(ctx, a),
        Command::Contact(c) => capture::contact(ctx, c),
        Command::Note(a) => capture::note(ctx, a),
        Command::Ref(a) => capture::reference(ctx, a),
        Command::Promise(a) => capture::promise(ctx, a),
        Command::Kept(a) => capture::settle(ctx, a, Settlement::Kept),
        Command::Broken(a) => capture::settle(ctx, a, Settlement::Broken),
        Command::Offer(a) => capture::offer(ctx, a),
        Command::Answer(a) => capture::answer(ctx, a),
        Command::Escalate(a) => capture::escalate(ctx, a),
        Command::Escalation(a) => capture::escalation(ctx, a),
        Command::Expense(a) => capture::expense(ctx, a),
        Command::Time(a) => capture::time(ctx, a),
        Command::Followup(a) => capture::followup(ctx, a),
        Command::Done(a) => capture::settle(ctx, a, Settlement::Done),
        Command::Sent(a) => capture::sent(ctx, a),
        Command::Attach(a) => capture::attach(ctx, a),
        Command::Status(a) => capture::set_status(ctx, a),
        Command::Assign(a) => capture::assign(ctx, a),
        Command::Lesson(a) => capture::lesson(ctx, a),
        Command::Amend(a) => capture::amend(ctx, a),
        Command::List(a) => views::list(ctx, a),
        Command::Show(a) => views::show(ctx, a),
        Command::Timeline(a) => coach::timeline(ctx, a),
        Command::Brief(a) => coach::brief(ctx, a),
        Command::Advice(a) => coach::advice(ctx, a),
        Command::Script(a) => coach::script(ctx, a),
        Command::Cost(a) => coach::cost(ctx, a),
        Command::Letter(a) => coach::letter(ctx, a),
        Command::Search(a) => views::search(ctx, a),
        Command::Due(a) => views::due(ctx, a),
        Command::Calendar(a) => views::calendar(ctx, a),
        Command::Report(a) => views::report(ctx, a),
        Command::Company(c) => company::run(ctx, c),
        Command::Intel(c) => intel::run(ctx, c),
        Command::Mail(c) => capture::mail(ctx, c),
        Command::Bundle(a) => admin::bundle(ctx, a),
        Command::Verify(a) => admin::verify(ctx, a),
        Command::Seal => admin::seal(ctx),
        Command::Rebuild => admin::rebuild(ctx),
        Command::Export(a) => admin::export(ctx, a),
        Command::Import(a) => admin::import(ctx, a),
        Command::Sync(a) => sync::run(ctx, a),
        Command::Check(a) => {
            let json = ctx.json;
            coach::check(Some(ctx), &a, json)
        }
        Command::Completions(_)
        | Command::Man(_)
        | Command::Templates(_)
        | Command::Serve(_)
        | Command::Users(_) => Ok(()),
    }
}
