//! `mip6lab-refimpl`: the reference IUT binary. It reads its role and settings from the
//! environment (the IUT container contract) so that the lab can start it exactly as it starts
//! a vendor's image.

mod aaa_server;
mod acct;
mod config;
mod defender;
mod dhcp_server;
mod dhcp_stimulus;
mod dhcpio;
mod dns;
mod dsaccess;
mod dsmip_udp;
mod dstunnel;
mod dualstack;
mod events;
mod fa;
mod fha;
mod ha;
mod ike;
mod integrated;
mod mhio;
mod mn;
mod nas;
mod nas4;
mod ndio;
mod netwait;
mod relay_stimulus;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Offline queries so the harness can list and check knobs before starting a lab; all
    // answered from the contract's knob table.
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--list-knobs") => {
            for knob in mip6lab_contract::knobs::KNOBS {
                println!("{:<32} {}", knob.name, knob.summary());
            }
            return ExitCode::SUCCESS;
        }
        Some("--list-mutants") => {
            for m in mip6lab_contract::knobs::mutants() {
                println!("{m}");
            }
            return ExitCode::SUCCESS;
        }
        Some("--list-dhcp-shapes") => {
            dhcp_stimulus::print_shapes();
            return ExitCode::SUCCESS;
        }
        Some("--check-knobs") => {
            return match config::Knobs::parse(args.get(1).map(String::as_str).unwrap_or("")) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e:#}");
                    ExitCode::from(2)
                }
            };
        }
        Some(other) => {
            eprintln!("mip6lab-refimpl: unknown argument `{other}` (settings come from MIP6LAB_* variables; --list-knobs, --list-mutants, --check-knobs SPEC, --list-dhcp-shapes)");
            return ExitCode::from(2);
        }
        None => {}
    }
    let cfg = match config::Config::from_env(std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mip6lab-refimpl: configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = netwait::wait_for_addresses(&cfg.wait_addrs, cfg.net_timeout) {
        events::emit("error", serde_json::json!({ "reason": format!("{e:#}") }));
        return ExitCode::from(1);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mip6lab-refimpl: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async {
        match cfg.role {
            config::NodeRole::Mn => mn::run(&cfg).await,
            config::NodeRole::Ha => ha::run(&cfg).await,
            config::NodeRole::Nas => nas::run(&cfg).await,
            config::NodeRole::Aaa => aaa_server::run(&cfg).await,
            config::NodeRole::NdDefender => defender::run(&cfg).await,
            config::NodeRole::DhcpStimulus => dhcp_stimulus::run(&cfg).await,
            config::NodeRole::DhcpServer => dhcp_server::run(&cfg).await,
            config::NodeRole::DhcpRelayStimulus => relay_stimulus::run(&cfg).await,
            config::NodeRole::Fha => fha::run(&cfg).await,
            config::NodeRole::Fa => fa::run(&cfg).await,
            config::NodeRole::DualStackMn => dualstack::run(&cfg).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            events::emit("error", serde_json::json!({ "reason": format!("{e:#}") }));
            ExitCode::from(1)
        }
    }
}
