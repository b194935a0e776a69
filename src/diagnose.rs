//! Combine evidence per cause into a score and a confidence, rank, and explain.

use crate::engine::fields::Fact;
use crate::engine::{Evidence, Hits, RuleSet, case_source, later};
use crate::facts::{SkewMeasure, describe_skew, to_utc};
use crate::model::Ts;
use crate::report::{Diagnosis, InputReport, Report, RuleMatch};

/// Confidence thresholds on the combined score.
const HIGH: f64 = 0.8;
const MEDIUM: f64 = 0.5;
/// A cause whose evidence all came before a successful sign-in keeps this share of its score.
const RECOVERED_FACTOR: f64 = 0.4;
/// A cause that yields to a stronger, better-fitting cause keeps this share.
const YIELD_FACTOR: f64 = 0.5;
/// Logon failures over this many distinct accounts are not one user's sign-in...
const MANY_ACCOUNTS: usize = 5;
/// ...and their cause keeps this share of its score.
const MANY_ACCOUNTS_FACTOR: f64 = 0.5;
/// Accounts failing across the whole case that make a few lockouts part of a spray.
const SPRAY_ACCOUNTS: usize = 10;
/// With no SIP address to tell the user by, this many accounts failing to log on is a shared
/// computer or a domain controller, not one person's sign-in.
const SHARED_ACCOUNTS: usize = 3;
/// What is left of a cause whose logon failures are all other accounts' than the user's.
const OTHER_ACCOUNTS_FACTOR: f64 = 0.3;
/// Security audits of a logon, whose account is the one that signs in: failures (4625, 4771,
/// 4776, 4768), a lockout (4740), a logon (4624), an unlock and password changes (4767, 4723,
/// 4724), service tickets (4769).
const LOGON_AUDITS: &[u32] = &[4624, 4625, 4723, 4724, 4740, 4767, 4768, 4769, 4771, 4776];
/// Rule kinds that are derived facts rather than log records.
const FACT_KINDS: &[&str] = &["dns-record", "trust-check", "clock-skew", "signin-attempt"];
/// Evidence lines listed per diagnosis.
const MAX_EVIDENCE: usize = 12;

pub fn confidence(score: f64) -> &'static str {
    if score >= HIGH {
        "high"
    } else if score >= MEDIUM {
        "medium"
    } else {
        "low"
    }
}

/// How many separate sessions (files, or bursts an hour apart) showed each cause's record
/// signatures. A certificate problem that survives deleting the cached sign-in data shows up
/// in several sessions.
pub fn spread_facts(rules: &RuleSet, hits: &Hits) -> Vec<Fact> {
    let mut out = Vec::new();
    for (ci, c) in rules.causes.iter().enumerate() {
        let mut sessions: Vec<(std::sync::Arc<str>, Option<crate::model::Ts>, u32)> = Vec::new();
        let mut total = 0;
        for (ri, r) in rules.rules.iter().enumerate() {
            if r.cause != ci || r.kind == "signature-spread" || r.clears {
                continue;
            }
            let h = &hits.per_rule[ri];
            total += h.count;
            for s in &h.sessions {
                let near = sessions.iter().any(|(p, t, e)| {
                    p == &s.0
                        && *e == s.2
                        && match (t, s.1) {
                            (Some(a), Some(b)) => {
                                (a.naive() - b.naive()).num_seconds().abs()
                                    <= crate::engine::SESSION_GAP_SECS
                            }
                            _ => true,
                        }
                });
                if !near {
                    sessions.push(s.clone());
                }
            }
        }
        if total == 0 {
            continue;
        }
        let files = {
            let mut f: Vec<&str> = sessions.iter().map(|(p, _, _)| &**p).collect();
            f.sort();
            f.dedup();
            f.len()
        };
        let mut f = Fact::new(
            "signature-spread",
            case_source("case"),
            None,
            format!(
                "signs of {} appeared in {} separate session(s) across {} file(s) ({} matching record(s))",
                c.id,
                sessions.len(),
                files,
                total
            ),
        );
        f.set("cause", &c.id)
            .set("sessions", sessions.len())
            .set("files", files)
            .set("hits", total);
        out.push(f);
    }
    out
}

struct Scored {
    ci: usize,
    score: f64,
    raw: f64,
    recovered: bool,
    matched: Vec<usize>,
    /// The clearing rule that lowered the score, when one did.
    cleared_by: Option<usize>,
    /// When the condition was put right or a sign-in succeeded after all its evidence.
    over_at: Option<chrono::NaiveDateTime>,
    /// The latest of its evidence.
    last_evidence: Option<Ts>,
    notes: Vec<String>,
}

/// When clearing rule `ri` put the cause right after its evidence `matched`, last seen at
/// `last_evidence`. A rule that names accounts (a later successful logon) clears only evidence
/// about accounts, and only when each of those accounts came after its own last failure: on a
/// domain controller someone is always logging on, and another user's success fixes nothing.
fn cleared_at(
    rules: &RuleSet,
    hits: &Hits,
    matched: &[usize],
    ri: usize,
    last_evidence: Option<Ts>,
    user: Option<&str>,
) -> Option<Ts> {
    let h = &hits.per_rule[ri];
    if h.accounts.is_empty() {
        let t = h.last_ts?;
        return last_evidence
            .is_some_and(|e| t.naive() > e.naive())
            .then_some(t);
    }
    let mut failed: Vec<(&str, Option<Ts>, u32)> = Vec::new();
    for &mi in matched {
        let m = &hits.per_rule[mi];
        for ((a, t), n) in m.accounts.iter().zip(&m.account_last).zip(&m.account_count) {
            match failed.iter_mut().find(|(x, _, _)| *x == a.as_str()) {
                Some(f) => {
                    f.1 = later(f.1, *t);
                    f.2 += n;
                }
                None => failed.push((a, *t, *n)),
            }
        }
    }
    // Where the user's own account is among them, the others' failures are not the user's to
    // put right (a printer failing as a local account while the user mistyped once).
    if let Some(u) = user
        && failed.iter().any(|(a, _, _)| may_be_user(a, u))
    {
        failed.retain(|(a, _, _)| may_be_user(a, u));
    }
    if failed.is_empty() {
        return None;
    }
    let at_most = rules.rules[ri].clears_at_most;
    let mut at: Option<Ts> = None;
    for (a, last_failure, n) in failed {
        if at_most.is_some_and(|m| n > m) {
            return None;
        }
        let ok = h.account_last_seen(a)??;
        if last_failure.is_some_and(|f| ok.naive() <= f.naive()) {
            return None;
        }
        at = later(at, Some(ok));
    }
    at
}

#[allow(clippy::too_many_arguments)]
pub fn build_report(
    name: &str,
    rules: &RuleSet,
    hits: &Hits,
    mut signin: crate::facts::Signin,
    skew: Option<SkewMeasure>,
    inputs: Vec<InputReport>,
    mut warnings: Vec<String>,
    utc_offset: Option<i32>,
    top: Option<usize>,
) -> Report {
    let success_at = signin.succeeded_at;
    let last_succeeded = signin.last_outcome == "succeeded";
    let mut scored: Vec<Scored> = Vec::new();
    // Every account some logon failure of the case is about, whatever the cause.
    let mut failing_accounts: Vec<&str> = Vec::new();
    // How many failures each of them had, in the same order.
    let mut failures_of: Vec<u64> = Vec::new();
    for (r, h) in rules.rules.iter().zip(&hits.per_rule) {
        if r.clears || h.count == 0 {
            continue;
        }
        for (a, &n) in h.accounts.iter().zip(&h.account_count) {
            match failing_accounts.iter().position(|x| *x == a.as_str()) {
                Some(i) => failures_of[i] += u64::from(n),
                None if failing_accounts.len() < 64 => {
                    failing_accounts.push(a);
                    failures_of.push(u64::from(n));
                }
                None => {}
            }
        }
    }
    // One account with most of the failures is the one in trouble; the rest is background.
    let total_failures: u64 = failures_of.iter().sum();
    let one_account_dominates = failures_of.iter().any(|&n| n * 10 >= total_failures * 6);
    // Who the user is as a logon audit names them: the user part of the SIP address, once some
    // account of the case can be theirs. A domain controller's log holds everyone's logons; a
    // rule whose every matching event is about another account says nothing about this user.
    let user = signin
        .sip_uri
        .as_deref()
        .and_then(sip_user_part)
        .or_else(|| signin.computer_user.clone());
    let user_account: Option<&str> = user.as_deref().and_then(|u| {
        hits.per_rule
            .iter()
            .flat_map(|h| &h.accounts)
            .find(|a| may_be_user(a, u))
            .map(String::as_str)
    });
    // Only a logon audit's account is the one signing in; a directory change (5136) names the
    // administrator who made it.
    let logon_audit = |ri: usize| -> bool {
        rules
            .allowed_event_ids(ri)
            .is_some_and(|ids| ids.iter().all(|id| LOGON_AUDITS.contains(id)))
    };
    let others_only = |ri: usize| -> bool {
        let (Some(u), Some(_)) = (user.as_deref(), user_account) else {
            return false;
        };
        let h = &hits.per_rule[ri];
        logon_audit(ri)
            && !h.accounts.is_empty()
            && h.account_count.iter().map(|&n| u64::from(n)).sum::<u64>() == h.count
            && h.accounts.iter().all(|a| !may_be_user(a, u))
    };
    for (ci, c) in rules.causes.iter().enumerate() {
        let (clearing, mut matched): (Vec<usize>, Vec<usize>) = rules
            .rules
            .iter()
            .enumerate()
            .filter(|(ri, r)| r.cause == ci && hits.per_rule[*ri].count > 0)
            .map(|(ri, _)| ri)
            .partition(|&ri| rules.rules[ri].clears);
        if !matched.iter().any(|&ri| !rules.rules[ri].corroborating) {
            continue;
        }
        let (theirs, mine): (Vec<usize>, Vec<usize>) =
            matched.iter().partition(|&&ri| others_only(ri));
        let (mut only_others, mut left_out) = (None, None);
        // Nothing names the user (no SIP address) and several accounts fail to log on here: a
        // shared computer's or a domain's background, whichever of them the user may be.
        let logon_audits_only = matched
            .iter()
            .all(|&ri| rules.rules[ri].corroborating || logon_audit(ri));
        if user.is_none()
            && failing_accounts.len() >= SHARED_ACCOUNTS
            && !one_account_dominates
            && logon_audits_only
        {
            only_others = Some(format!(
                "logons fail here for {} accounts ({}) and nothing in the case says which one is the user's: a shared computer's or a domain's background unless the user is among them",
                failing_accounts.len(),
                some_of(&failing_accounts, 4)
            ));
        }
        if !theirs.is_empty() {
            let mut names: Vec<&str> = Vec::new();
            for &ri in &theirs {
                for a in &hits.per_rule[ri].accounts {
                    if names.len() < 4 && !names.contains(&a.as_str()) {
                        names.push(a);
                    }
                }
            }
            let names = names.join(", ");
            let user_account = user_account.unwrap_or_default();
            if mine.iter().any(|&ri| !rules.rules[ri].corroborating) {
                matched = mine;
                left_out = Some(format!(
                    "logon failures of other accounts ({names}) are left out: the user's is {user_account}"
                ));
            } else {
                only_others = Some(format!(
                    "the logon failures are other accounts' ({names}), not the user's ({user_account}): a domain controller logs everyone's"
                ));
            }
        }
        let mut raw = 1.0
            - matched
                .iter()
                .map(|&ri| 1.0 - rules.rules[ri].weight)
                .product::<f64>();
        // Evidence that is all other accounts' is weak evidence, also where causes compete for
        // it: it must not make the user's own cause yield.
        if only_others.is_some() {
            raw *= OTHER_ACCOUNTS_FACTOR;
        }
        // Evidence seen only before a successful sign-in: the problem is over, or never was one.
        let mut notes = Vec::new();
        let recovered = !c.not_a_failure
            && last_succeeded
            && matched.iter().all(|&ri| {
                let h = &hits.per_rule[ri];
                match (h.last_ts, success_at) {
                    (Some(l), Some(s)) => l.naive() <= s.naive(),
                    _ => true,
                }
            });
        // The condition was put right after the last of the evidence (an account unlocked, the
        // clock synchronised): the cause keeps the share the clearing rule leaves it.
        let last_evidence = matched
            .iter()
            .filter_map(|&ri| hits.per_rule[ri].last_ts)
            .max_by_key(|t| t.naive());
        let cleared_by = if recovered {
            None
        } else {
            clearing
                .iter()
                .filter_map(|&ri| {
                    cleared_at(rules, hits, &matched, ri, last_evidence, user.as_deref())
                        .map(|t| (t, ri))
                })
                // The first sign that it was put right: an unlock, before the ticket that the
                // unlocked account was then granted.
                .min_by_key(|(t, _)| t.naive())
        };
        // The sign-in worked in the end, or the condition was put right, and the evidence is
        // weak: nothing worth reporting.
        if (recovered || cleared_by.is_some()) && raw < MEDIUM {
            continue;
        }
        let mut score = raw;
        notes.extend(only_others);
        notes.extend(left_out);
        // Logon failures of many different accounts are a domain controller's background or a
        // password spray, not one user's sign-in: the user's own account is among them, if at all.
        let mut accounts: Vec<&str> = Vec::new();
        for &ri in &matched {
            for a in &hits.per_rule[ri].accounts {
                if !accounts.contains(&a.as_str()) {
                    accounts.push(a);
                }
            }
        }
        // A password spray locks a few accounts out among many it fails: the lockouts are part
        // of the same background, seen across every cause's logon failures.
        if !accounts.is_empty()
            && accounts.len() < MANY_ACCOUNTS
            && failing_accounts.len() >= SPRAY_ACCOUNTS
        {
            accounts = failing_accounts.clone();
        }
        if accounts.len() >= MANY_ACCOUNTS {
            score *= MANY_ACCOUNTS_FACTOR;
            notes.push(format!(
                "the logon failures are spread over {} accounts ({}): more like a domain controller's background or a password spray than one user's sign-in; look for the user's own account among them",
                accounts.len(),
                some_of(&accounts, 6)
            ));
        }
        if let Some((t, ri)) = cleared_by {
            let r = &rules.rules[ri];
            score *= 1.0 - r.weight;
            notes.push(format!(
                "after this evidence, at {}: {}",
                to_utc(Some(t), utc_offset)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                lower_first(r.evidence.trim_end_matches('.'))
            ));
        }
        // A condition that stops every sign-in while it holds (an AD FS certificate the client
        // does not trust) cannot have been there when a sign-in worked: evidence on both sides
        // of one is about another server (a printer's self-signed certificate).
        if c.stops_every_signin && !recovered && cleared_by.is_none() {
            let first_evidence = matched
                .iter()
                .filter(|&&ri| !rules.rules[ri].clears)
                .filter_map(|&ri| hits.per_rule[ri].first_ts)
                .min_by_key(|t| t.naive());
            if let (Some(a), Some(b)) = (first_evidence, last_evidence)
                && let Some(ok) = signin
                    .timeline
                    .iter()
                    .filter(|t| t.outcome == "succeeded")
                    .filter_map(|t| t.when())
                    .find(|t| a.naive() < t.naive() && t.naive() < b.naive())
            {
                score *= RECOVERED_FACTOR;
                notes.push(format!(
                    "the user signed in successfully at {} between this evidence ({} to {}), which could not happen while this condition held: the evidence is likely about another server",
                    to_utc(Some(ok), utc_offset).map(|t| t.to_string()).unwrap_or_default(),
                    to_utc(Some(a), utc_offset).map(|t| t.to_string()).unwrap_or_default(),
                    to_utc(Some(b), utc_offset).map(|t| t.to_string()).unwrap_or_default(),
                ));
            }
        }
        if recovered {
            score *= RECOVERED_FACTOR;
            notes.push(match success_at {
                Some(t) => format!("the user signed in successfully at {} after this evidence, so the problem may be over", to_utc(Some(t), utc_offset).map(|t| t.to_string()).unwrap_or_default()),
                None => "the case ends with a successful sign-in, so the problem may be over".into(),
            });
        }
        let over_at = match cleared_by {
            Some((t, _)) => Some(t.naive()),
            None if recovered => success_at.map(|t| t.naive()),
            None => None,
        };
        scored.push(Scored {
            ci,
            score,
            raw,
            recovered: recovered || cleared_by.is_some(),
            matched,
            cleared_by: cleared_by.map(|(_, ri)| ri),
            over_at,
            last_evidence,
            notes,
        });
    }
    // A cause yields to a better explanation of the same evidence, but not to one that was put
    // right before this cause's evidence went on: an expired password changed on Monday does not
    // explain Thursday's wrong one.
    let snapshot: Vec<(crate::engine::Text, f64, Option<chrono::NaiveDateTime>)> = scored
        .iter()
        .map(|s| (rules.causes[s.ci].id.clone(), s.raw, s.over_at))
        .collect();
    for s in &mut scored {
        let c = &rules.causes[s.ci];
        if let Some((other, _, _)) = snapshot.iter().find(|(id, raw, over)| {
            c.yields_to.contains(id)
                && *raw >= MEDIUM
                && !matches!((over, s.last_evidence), (Some(o), Some(l)) if l.naive() > *o)
        }) {
            s.score *= YIELD_FACTOR;
            s.notes
                .push(format!("{other} explains this evidence better"));
        }
    }
    scored.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| rules.causes[a.ci].id.cmp(&rules.causes[b.ci].id))
    });
    // Causes that share their evidence and cannot be told apart: say so.
    let tie_pairs = [("not-licensed", "user-not-sip-enabled")];
    for (a, b) in tie_pairs {
        let pa = scored.iter().position(|s| rules.causes[s.ci].id == a);
        let pb = scored.iter().position(|s| rules.causes[s.ci].id == b);
        if let (Some(pa), Some(pb)) = (pa, pb)
            && (scored[pa].score - scored[pb].score).abs() < 0.1
        {
            let msg = "the account evidence fits both not-licensed and user-not-sip-enabled; an AD export showing msRTCSIP-UserEnabled, or the tenant type, tells them apart".to_string();
            scored[pa].notes.push(msg.clone());
            scored[pb].notes.push(msg);
        }
    }
    if let Some(n) = top {
        scored.truncate(n);
    }

    let mut diagnoses = Vec::new();
    // The best-ranked cause still standing after the last sign-in that worked, and the last of
    // its evidence.
    let mut standing: Option<(String, Ts)> = None;
    for (rank, s) in scored.iter().enumerate() {
        let c = &rules.causes[s.ci];
        let mut matched = s.matched.clone();
        matched.sort_by(|a, b| {
            rules.rules[*b]
                .weight
                .partial_cmp(&rules.rules[*a].weight)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut rule_matches = Vec::new();
        for &ri in &matched {
            let r = &rules.rules[ri];
            let h = &hits.per_rule[ri];
            rule_matches.push(RuleMatch {
                rule: r.id.to_string(),
                evidence: r.evidence.to_string(),
                weight: r.weight,
                hits: h.count,
            });
            for e in &h.samples {
                if evidence.len() < MAX_EVIDENCE {
                    let mut e = e.clone();
                    e.rule = r.id.to_string();
                    e.timestamp = to_utc(e.timestamp, utc_offset);
                    evidence.push(e);
                }
            }
        }
        // The line that shows the condition put right, after the evidence for it.
        // A rule about accounts keeps samples of any account (a domain controller grants
        // tickets all day): only the line of the clearing itself is shown, when it was kept.
        let clearing_line = s.cleared_by.and_then(|ri| {
            let h = &hits.per_rule[ri];
            let at = s.over_at;
            h.samples
                .iter()
                .rev()
                .find(|e| at.is_some() && e.timestamp.map(|t| t.naive()) == at)
                .or_else(|| h.accounts.is_empty().then(|| h.samples.last()).flatten())
                .map(|e| (ri, e))
        });
        if let Some((ri, e)) = clearing_line {
            let mut e = e.clone();
            e.rule = rules.rules[ri].id.to_string();
            e.timestamp = to_utc(e.timestamp, utc_offset);
            if evidence.len() >= MAX_EVIDENCE {
                evidence.pop();
            }
            evidence.push(e);
        }
        let mut summary = c.summary.trim().to_string();
        // What the case itself measured (a failing DNS record and what it should be, the skew,
        // the untrusted server) goes first: it is the engineer's answer in one line.
        let finding = matched.iter().find_map(|&ri| {
            let r = &rules.rules[ri];
            FACT_KINDS
                .contains(&r.kind.as_ref())
                .then(|| hits.per_rule[ri].samples.first().map(|e| e.text.clone()))?
        });
        if c.id == "clock-skew"
            && let Some(m) = &skew
            && m.skew_seconds.abs() > crate::facts::SKEW_TOLERANCE_SECS
        {
            summary = format!(
                "Measured: client clock {} the server{}. {summary}",
                describe_skew(m.skew_seconds),
                if m.estimated {
                    " (an estimate: the local time zone is not known)"
                } else {
                    ""
                }
            );
        } else if let Some(f) = finding {
            summary = format!("Found: {f}. {summary}");
        }
        let why = {
            let mut w: Vec<String> = rule_matches
                .iter()
                .map(|m| {
                    format!(
                        "{} ({} match{})",
                        m.evidence.trim_end_matches('.'),
                        m.hits,
                        if m.hits == 1 { "" } else { "es" }
                    )
                })
                .collect();
            w.extend(s.notes.iter().cloned());
            w.join("; ")
        };
        let conf = if s.recovered {
            "low"
        } else {
            confidence(s.score)
        };
        if standing.is_none()
            && !s.recovered
            && conf != "low"
            && c.id != "server-trust-prompt"
            && let Some(t) = s.last_evidence
            && success_at.is_some_and(|ok| t.naive() > ok.naive())
        {
            standing = Some((c.id.to_string(), t));
        }
        diagnoses.push(Diagnosis {
            cause: c.id.to_string(),
            rank: rank + 1,
            score: (s.score * 100.0).round() / 100.0,
            confidence: conf.to_string(),
            title: c.title.to_string(),
            summary,
            resolution: c.resolution.iter().map(|t| t.to_string()).collect(),
            references: c.references.iter().map(|t| t.to_string()).collect(),
            evidence,
            why,
            recovered: s.recovered,
            rules: rule_matches,
        });
    }

    // A sign-in that worked, then failed again for a reason that still stands: the client's
    // later failures (its event 3, a logon audit) are no REGISTER, so the attempts end with the
    // success, but the summary must not say "succeeded" beside a cause seen after it.
    if signin.last_outcome == "succeeded"
        && let Some(ok) = success_at
        && let Some((cause, t)) = standing
    {
        signin.last_outcome = "failed".into();
        signin.last_attempt_at = Some(t);
        warnings.push(format!(
            "the client signed in at {}, but the evidence for {} goes on until {}: the sign-in is reported as failed",
            to_utc(Some(ok), utc_offset).unwrap_or(ok),
            cause,
            to_utc(Some(t), utc_offset).unwrap_or(t)
        ));
    }
    // A sign-in that never reached REGISTER but shows failure evidence failed; evidence weak
    // enough to be low (a domain's background of failures) does not say so.
    if signin.last_outcome == "unknown"
        && diagnoses
            .iter()
            .any(|d| !d.recovered && d.cause != "server-trust-prompt" && d.confidence != "low")
    {
        signin.last_outcome = "failed".into();
    }
    signin.last_attempt_at = to_utc(signin.last_attempt_at, utc_offset);
    signin.succeeded_at = to_utc(signin.succeeded_at, utc_offset);
    for a in &mut signin.timeline {
        a.at = to_utc(a.at, utc_offset);
    }
    if diagnoses.is_empty() && signin.last_outcome == "failed" {
        warnings.push("the sign-in failed, but no known cause matched the evidence".into());
    }
    Report::new(
        name,
        inputs,
        signin,
        diagnoses,
        warnings,
        skew,
        rules.origin.clone(),
    )
}

/// The first `n` names, then `...` when there are more.
fn some_of(names: &[&str], n: usize) -> String {
    let mut s = names[..names.len().min(n)].join(", ");
    if names.len() > n {
        s.push_str(", ...");
    }
    s
}

/// The user part of a SIP address (`sip:tom.lee@contoso.com` gives `tom.lee`), lower case.
fn sip_user_part(uri: &str) -> Option<String> {
    let u = uri.trim();
    let u = u
        .strip_prefix("sip:")
        .or_else(|| u.strip_prefix("SIP:"))
        .unwrap_or(u);
    let (local, _) = u.split_once('@')?;
    (!local.is_empty()).then(|| local.to_lowercase())
}

/// Whether logon account `a` (as [`crate::engine::account_key`] writes it) can be the user
/// whose SIP user part is `local`: the same name, or one of the usual ways a directory shortens
/// a name (`tom.lee` as `tlee`, `tomlee`, `t.lee`, `lee.tom`, `leet`, `toml`). A computer
/// account never is.
fn may_be_user(a: &str, local: &str) -> bool {
    if a.ends_with('$') {
        return false;
    }
    let squash = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    let (a, whole) = (squash(a), squash(local));
    if a.is_empty() || whole.is_empty() {
        return false;
    }
    if a == whole {
        return true;
    }
    let parts: Vec<&str> = local
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    match parts.as_slice() {
        [first, .., last] => {
            let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            let (fi, li) = (initial(first), initial(last));
            (last.chars().count() >= 2 && a.ends_with(last) && a.starts_with(&fi))
                || (a.starts_with(last) && (a.ends_with(first) || a == format!("{last}{fi}")))
                || a == format!("{first}{li}")
        }
        _ => a.chars().count() >= 4 && (whole.starts_with(&a) || a.starts_with(&whole)),
    }
}

/// `The account was unlocked` → `the account was unlocked`, for a sentence's middle.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_part_of_a_sip_address() {
        assert_eq!(
            sip_user_part("sip:Tom.Lee@contoso.com").as_deref(),
            Some("tom.lee")
        );
        assert_eq!(sip_user_part("sip:contoso.com"), None);
    }

    #[test]
    fn an_account_that_can_be_the_user() {
        for a in [
            "tom.lee", "tlee", "tomlee", "t.lee", "lee.tom", "leet", "toml", "tmlee",
        ] {
            assert!(may_be_user(a, "tom.lee"), "{a}");
        }
        for a in [
            "svc_backup",
            "ozge.kaya",
            "administrator",
            "tom.lee$",
            "scanner",
            "",
        ] {
            assert!(!may_be_user(a, "tom.lee"), "{a}");
        }
        // A one-word user part: the same name, or one that begins the other.
        assert!(may_be_user("maria", "maria"));
        assert!(may_be_user("mariag", "maria"));
        assert!(!may_be_user("mlopez", "maria"));
    }

    /// Failures half an hour apart are the client retrying within one session; a cached-data
    /// problem only looks like corrupted credentials when it comes back in a later session.
    #[test]
    fn failures_within_the_hour_are_one_session() {
        use crate::model::Ts;
        let rules = RuleSet::embedded().expect("rules load");
        let cause = rules
            .causes
            .iter()
            .position(|c| c.id == "personal-certificate-cache")
            .expect("cause");
        let ri = rules
            .rules
            .iter()
            .position(|r| r.cause == cause && r.kind != "signature-spread" && !r.clears)
            .expect("a rule of the cause");
        let at = |h: u32, m: u32| {
            Some(Ts::Utc(
                chrono::NaiveDate::from_ymd_opt(2024, 3, 7)
                    .and_then(|d| d.and_hms_opt(h, m, 0))
                    .expect("time"),
            ))
        };
        let sessions_of = |times: &[Option<Ts>]| {
            let mut hits = Hits::new(&rules);
            let path: std::sync::Arc<str> = "Application.xml".into();
            hits.per_rule[ri].count = times.len() as u64;
            hits.per_rule[ri].sessions = times.iter().map(|t| (path.clone(), *t, 0)).collect();
            let facts = spread_facts(&rules, &hits);
            let f = facts
                .iter()
                .find(|f| f.get("cause") == Some("personal-certificate-cache"))
                .expect("spread fact");
            f.get("sessions").map(str::to_string)
        };
        assert_eq!(sessions_of(&[at(11, 43), at(12, 21)]).as_deref(), Some("1"));
        assert_eq!(sessions_of(&[at(11, 43), at(14, 5)]).as_deref(), Some("2"));
        assert_eq!(
            sessions_of(&[at(9, 0), at(9, 10), at(15, 0)]).as_deref(),
            Some("2")
        );
    }
}
