//! supervisord.conf(5), written with roff from `supervisor_config::reference`: every
//! section and option, ours marked, the TOML form and the places kept for options
//! still being designed.

use clap_mangen::roff::{Roff, bold, italic, roman};
use supervisor_config::reference::{RESERVED, SECTIONS};

pub(crate) fn page() -> Vec<u8> {
    let mut r = Roff::new();
    let version = format!("supervisor-rs {}", env!("CARGO_PKG_VERSION"));
    r.control(
        "TH",
        [
            "SUPERVISORD.CONF",
            "5",
            "",
            version.as_str(),
            "supervisor-rs",
        ],
    );
    r.control("SH", ["NAME"]).text([roman(
        "supervisord.conf - configuration of supervisord and supervisorctl",
    )]);
    r.control("SH", ["DESCRIPTION"]);
    for para in [
        "supervisord reads an INI file in Supervisor 4.3's syntax: [section] headers, key = value \
         (or key: value) lines, comments starting with ; or # (inline only after whitespace), \
         indented continuation lines. Values may use %(name)s expansions: %(here)s (the file's \
         directory), %(host_node_name)s, %(ENV_X)s (environment variables), and in program \
         sections %(program_name)s, %(process_num)d, %(group_name)s, %(numprocs)d.",
        "The same model may be written in TOML (a file ending in .toml): [programs.NAME], \
         [groups.NAME], [eventlisteners.NAME], [fcgi-programs.NAME] for the sections with a \
         name, native integers, booleans and arrays; supervisord --convert-config FILE prints \
         the TOML form of an INI file. Included files may be INI or TOML.",
        "Options marked (supervisor-rs) are extensions; Python's Supervisor ignores them, so a \
         file using them stays usable by both.",
    ] {
        r.control("PP", []).text([roman(para)]);
    }
    for s in SECTIONS {
        r.control("SH", [format!("[{}]", s.name).to_uppercase().as_str()]);
        r.control("PP", []).text([roman(s.about)]);
        for o in s.options {
            let mut term = vec![bold(o.name)];
            if !o.default.is_empty() {
                term.push(roman(format!(" (default: {})", o.default)));
            }
            if o.ours {
                term.push(italic(" (supervisor-rs)"));
            }
            r.control("TP", []).text(term).text([roman(o.about)]);
        }
    }
    r.control("SH", ["RESERVED"]);
    r.control("PP", []).text([roman(
        "Options for these features are being designed; they will be documented here:",
    )]);
    for (name, about) in RESERVED {
        r.control("TP", [])
            .text([bold(*name)])
            .text([roman(*about)]);
    }
    r.control("SH", ["SEE ALSO"]).text([italic(
        "supervisord(8), supervisorctl(1), echo_supervisord_conf(1)",
    )]);
    r.render().into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_section_and_option_is_on_the_page() {
        let page = String::from_utf8(super::page()).unwrap();
        for s in supervisor_config::reference::SECTIONS {
            assert!(page.contains(&s.name.to_uppercase()), "{}", s.name);
            for o in s.options {
                assert!(page.contains(&o.name.replace('-', "\\-")), "{}", o.name);
            }
        }
    }
}
