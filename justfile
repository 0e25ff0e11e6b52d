# mip6lab tasks. `just --list` shows them.

# Recipes that need Docker run this first; fast when all is there. `just setup --check` only reports.
# Install and start what the lab lacks: Debian packages, just, the Docker daemon, the base image.
setup *args:
    @bash scripts/setup.sh --prebuild {{args}}

# Build everything the lab needs (the CLI and the reference IUT binary).
build:
    cargo build --workspace --bins

# Extra args go to `mip6lab suite` (e.g. `just suite split --knobs mn.srv_proto=_udp`,
# `just suite split --iut-image vendor/mn:1`).
# Run a conformance suite against the built-in reference IUT.
suite name *args: setup build
    ./target/debug/mip6lab suite {{name}} {{args}}

# The container tests need Docker; with CI=true they must run.
# The project's tests: unit, offline judge and decoder tests, and the container tests.
test: setup build
    cargo test --workspace -- --include-ignored

# Decode a capture into the normalized transcript.
decode file *args: build
    ./target/debug/mip6lab decode {{file}} {{args}}

# The pcap is built once under target/bench/; `just bench-decode 200000 --verbose` adds `tshark -V`.
# Decode throughput against tshark on a 1,000,000-packet pcap of the split mix.
bench-decode *args:
    cargo run --release -p mip6lab-capture --example bench_decode -- {{args}}

# Run it warm (images built); extra args go to `mip6lab bench-suite` (e.g. `--jobs 3`).
# The suite with --jobs 1 and with the default side by side: times, ratio, memory, stages.
bench-suite name="split" *args: setup build
    ./target/debug/mip6lab bench-suite {{name}} {{args}}

# Remove lab containers, holders and network namespaces that a killed run left behind.
gc *args: setup build
    ./target/debug/mip6lab gc {{args}}

# List the reference IUT's mutation knobs.
knobs: build
    ./target/debug/mip6lab knobs

# Formatting and lints, as CI would want them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Proof that the suite discriminates: each reference-IUT mutant must make a test fail.
mutants name="split" *args: setup build
    ./target/debug/mip6lab mutants {{name}} {{args}}

# RFC 6611's three flows by the reference roles around real FreeRADIUS and Kea (topology
# record-integrated): the MSP case, the ASP case and the DNS fallback, one recording each.
record-integrated out="reports/record-integrated": setup build
    ./target/debug/mip6lab record record-integrated --out {{out}}/msp --env mn:MIP6LAB_HOME_NETWORK_ID=example.com
    ./target/debug/mip6lab record record-integrated --out {{out}}/asp
    ./target/debug/mip6lab record record-integrated --out {{out}}/dns --env nas:MIP6LAB_DHCP_SERVERS=2001:db8:2::99

# The dual-stack scenario's four flows (draft-qin-mip6-dsbootstrapping; topology
# record-dualstack): each recording has an MN with a co-located CoA (802.1X and DHCPv4 via the
# NAS first) and one through the FA, each ending with IKEv2 and BU/BA through its tunnel;
# `integrated`: the NAS and the FHA ask the AAAH; `asp` (§4.2.1): the NAS asks the ASP's AAA
# server (AAAF), which proxies to the AAAH and assigns the FHA; the FHA asks the AAAH.
record-dualstack out="reports/record-dualstack": setup build
    ./target/debug/mip6lab record record-dualstack --out {{out}}/integrated
    ./target/debug/mip6lab record record-dualstack --out {{out}}/asp --env "nas:MIP6LAB_RADIUS=[2001:db8:30::19]:1812"

# Extra args go to `mip6lab interop` (e.g. `--only kea`, `--write-baselines`).
# The third-party implementations packaged as IUTs against their baselines, then the matrix.
interop *args: setup build
    ./target/debug/mip6lab interop {{args}}
