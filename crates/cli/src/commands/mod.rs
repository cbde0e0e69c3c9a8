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

use crate::cli::{Cli, Command, Lazy};
use crate::ctx::Ctx;
use crate::error::Result;

pub fn run(cli: Cli) -> Result<()> {
    // Commands that need no database.
    match &cli.command {
        Command::Completions(Lazy(a)) => {
            crate::cli::eager();
            clap_complete::generate(
                a.shell,
                &mut Cli::command(),
                "casefile",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        Command::Man(Lazy(a)) => return views::man(a.dir.clone()),
        Command::Check(Lazy(_)) | Command::Templates(Lazy(_)) => {}
        _ => {}
    }
    if let Command::Intel(Lazy(crate::cli::IntelCommand::Import { file })) = &cli.command {
        return intel::import(cli.db.clone(), file, cli.json);
    }
    if let Command::Serve(Lazy(a)) = &cli.command {
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
    if let Command::Sync(Lazy(crate::cli::SyncArgs {
        command: Some(c), ..
    })) = &cli.command
    {
        let settings = crate::ctx::settings(cli.db.clone())?;
        return sync::account(&settings, c, cli.json);
    }
    if let Command::Users(Lazy(u)) = &cli.command {
        let settings = crate::ctx::settings(cli.db.clone())?;
        return users::run(settings, u, cli.json);
    }
    // The tone check and the template list need a database only when a case is named.
    if let Command::Templates(Lazy(t)) = &cli.command {
        return coach::templates(t, cli.json);
    }
    if let Command::Check(Lazy(a)) = &cli.command
        && a.case.is_none()
    {
        return coach::check(None, a, cli.json);
    }
    let mut ctx = Ctx::open(cli.db, cli.json, cli.reveal)?;
    let ctx = &mut ctx;
    use casefile_app::ops::Settlement;

    match cli.command {
        Command::Open(Lazy(a)) => capture::open(ctx, a),
        Command::Goal(Lazy(a)) => capture::goal(ctx, a),
        Command::Fact(Lazy(a)) => capture::fact(ctx, a),
        Command::Log(Lazy(a)) => capture::log(ctx, a),
        Command::Call(Lazy(a)) => crate::console::run(ctx, a),
        Command::Contact(Lazy(c)) => capture::contact(ctx, c),
        Command::Note(Lazy(a)) => capture::note(ctx, a),
        Command::Ref(Lazy(a)) => capture::reference(ctx, a),
        Command::Promise(Lazy(a)) => capture::promise(ctx, a),
        Command::Kept(Lazy(a)) => capture::settle(ctx, a, Settlement::Kept),
        Command::Broken(Lazy(a)) => capture::settle(ctx, a, Settlement::Broken),
        Command::Offer(Lazy(a)) => capture::offer(ctx, a),
        Command::Answer(Lazy(a)) => capture::answer(ctx, a),
        Command::Escalate(Lazy(a)) => capture::escalate(ctx, a),
        Command::Escalation(Lazy(a)) => capture::escalation(ctx, a),
        Command::Expense(Lazy(a)) => capture::expense(ctx, a),
        Command::Time(Lazy(a)) => capture::time(ctx, a),
        Command::Followup(Lazy(a)) => capture::followup(ctx, a),
        Command::Done(Lazy(a)) => capture::settle(ctx, a, Settlement::Done),
        Command::Sent(Lazy(a)) => capture::sent(ctx, a),
        Command::Attach(Lazy(a)) => capture::attach(ctx, a),
        Command::Status(Lazy(a)) => capture::set_status(ctx, a),
        Command::Assign(Lazy(a)) => capture::assign(ctx, a),
        Command::Lesson(Lazy(a)) => capture::lesson(ctx, a),
        Command::Amend(Lazy(a)) => capture::amend(ctx, a),
        Command::List(Lazy(a)) => views::list(ctx, a),
        Command::Show(Lazy(a)) => views::show(ctx, a),
        Command::Timeline(Lazy(a)) => coach::timeline(ctx, a),
        Command::Brief(Lazy(a)) => coach::brief(ctx, a),
        Command::Advice(Lazy(a)) => coach::advice(ctx, a),
        Command::Script(Lazy(a)) => coach::script(ctx, a),
        Command::Cost(Lazy(a)) => coach::cost(ctx, a),
        Command::Letter(Lazy(a)) => coach::letter(ctx, a),
        Command::Search(Lazy(a)) => views::search(ctx, a),
        Command::Due(Lazy(a)) => views::due(ctx, a),
        Command::Calendar(Lazy(a)) => views::calendar(ctx, a),
        Command::Report(Lazy(a)) => views::report(ctx, a),
        Command::Company(Lazy(c)) => company::run(ctx, c),
        Command::Intel(Lazy(c)) => intel::run(ctx, c),
        Command::Mail(Lazy(c)) => capture::mail(ctx, c),
        Command::Bundle(Lazy(a)) => admin::bundle(ctx, a),
        Command::Verify(Lazy(a)) => admin::verify(ctx, a),
        Command::Seal => admin::seal(ctx),
        Command::Rebuild => admin::rebuild(ctx),
        Command::Export(Lazy(a)) => admin::export(ctx, a),
        Command::Import(Lazy(a)) => admin::import(ctx, a),
        Command::Sync(Lazy(a)) => sync::run(ctx, a),
        Command::Check(Lazy(a)) => {
            let json = ctx.json;
            coach::check(Some(ctx), &a, json)
        }
        Command::Completions(Lazy(_))
        | Command::Man(Lazy(_))
        | Command::Templates(Lazy(_))
        | Command::Serve(Lazy(_))
        | Command::Users(Lazy(_)) => Ok(()),
    }
}
