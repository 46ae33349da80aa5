#!/usr/bin/env Rscript
# Golden fixtures for mmreport::stats, issue 15: restricted mean survival time,
# Aalen-Johansen cumulative incidence, Gray's test, Cox concordance and cox.zph.
#
# Regenerate (from the repository root):
#   Rscript tests/golden/make_fixtures_15.R
# Needs R >= 4.2 with 'survival' (>= 3.5) and 'cmprsk' (apt: r-base-core
# r-cran-survival r-cran-cmprsk). The JSON conventions are those of
# make_fixtures.R (the writer below is the same): numbers with "%.17g",
# NA/NaN -> null, +-Inf -> "Inf"/"-Inf". The Rust tests (tests/it/stats) read
# these files; CI does not need R.
suppressPackageStartupMessages({ library(survival); library(cmprsk) })

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
outdir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden"

# ---------------------------------------------------------------- JSON writer
num1 <- function(x) {
  if (is.na(x)) return("null")
  if (is.infinite(x)) return(if (x > 0) '"Inf"' else '"-Inf"')
  sprintf("%.17g", x)
}
js <- function(v) {
  if (is.null(v)) return("null")
  if (is.list(v)) {
    if (!is.null(names(v))) {
      return(paste0("{", paste0('"', names(v), '":', vapply(v, js, ""), collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(v, js, ""), collapse = ","), "]"))
  }
  if (is.matrix(v)) {
    return(js(lapply(seq_len(nrow(v)), function(i) I(v[i, ]))))
  }
  as_arr <- inherits(v, "AsIs") || length(v) != 1
  v <- unclass(v)
  s <- if (is.logical(v)) {
    ifelse(is.na(v), "null", ifelse(v, "true", "false"))
  } else if (is.character(v)) {
    paste0('"', gsub('"', '\\\\"', v), '"')
  } else {
    vapply(as.numeric(v), num1, "")
  }
  if (as_arr) paste0("[", paste(s, collapse = ","), "]") else s
}
write_fixture <- function(name, cases) {
  path <- file.path(outdir, paste0(name, ".json"))
  writeLines(js(cases), path)
  cat(sprintf("%-14s %4d cases  %8.1f kB\n", name, length(cases), file.size(path) / 1024))
}

set.seed(20261207)
r2 <- function(x) round(x, 2)

# ---------------------------------------------------------------- RMST
# print(survfit(...), rmean = tau): rmean and se(rmean) (survival:::survmean).
# R extends the curve flat beyond the last observed time; mmreport refuses such a
# tau (StatsError::TauBeyondFollowUp), so those cases carry R's value only to
# document the extrapolation ("beyond" = TRUE).
rmean_of <- function(time, event, tau) {
  # print.survfit's path (summary.survfit refuses a tau before the first time).
  tb <- survival:::survmean(survfit(Surv(time, event) ~ 1), rmean = tau)$matrix
  c(unname(tb["rmean"]), unname(tb["se(rmean)"]))
}
# survRM2::rmst2's unadjusted contrasts, arm 1 = a, arm 0 = b, from survfit's rmean
# and se(rmean) (survRM2 is not packaged in Debian; its formulas, Uno et al. 2014):
rmst2_contrasts <- function(ra, rb, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  d <- ra[1] - rb[1]; sd <- sqrt(ra[2]^2 + rb[2]^2)
  lr <- log(ra[1] / rb[1]); sr <- sqrt(ra[2]^2 / ra[1]^2 + rb[2]^2 / rb[1]^2)
  list(difference = list(estimate = d, lower = d - z * sd, upper = d + z * sd,
                         p = 2 * pnorm(-abs(d) / sd)),
       ratio = list(estimate = exp(lr), lower = exp(lr - z * sr), upper = exp(lr + z * sr),
                    p = 2 * pnorm(-abs(lr) / sr)))
}
rmst_case <- function(name, time, event, group, tau, level = 0.95) {
  arms <- lapply(c(1, 0), function(g) {
    t <- time[group == g]; e <- event[group == g]
    beyond <- tau > max(t)
    list(time = I(t), event = I(as.logical(e)), beyond = beyond, rmst = I(rmean_of(t, e, tau)))
  })
  cmp <- if (!arms[[1]]$beyond && !arms[[2]]$beyond)
    rmst2_contrasts(arms[[1]]$rmst, arms[[2]]$rmst, level) else NULL
  list(name = name, tau = tau, level = level, a = arms[[1]], b = arms[[2]], compare = cmp)
}
rm <- list()
rm[[length(rm) + 1]] <- rmst_case("aml_tau40", aml$time, aml$status, as.integer(aml$x == "Maintained"), 40)
rm[[length(rm) + 1]] <- rmst_case("aml_tau45_tied_last", aml$time, aml$status, as.integer(aml$x == "Maintained"), 45)
rm[[length(rm) + 1]] <- rmst_case("aml_tau_before_first", aml$time, aml$status, as.integer(aml$x == "Maintained"), 3)
rm[[length(rm) + 1]] <- rmst_case("aml_tau60_beyond_one_arm", aml$time, aml$status, as.integer(aml$x == "Maintained"), 60)
lung2 <- na.omit(lung[, c("time", "status", "sex")])
for (tau in c(365, 730)) {
  rm[[length(rm) + 1]] <- rmst_case(paste0("lung_sex_tau", tau), lung2$time / 30.4375, lung2$status - 1,
                                    as.integer(lung2$sex == 2), tau / 30.4375)
}
rm[[length(rm) + 1]] <- rmst_case("veteran_trt_tau100", veteran$time, veteran$status, as.integer(veteran$trt == 2), 100)
rm[[length(rm) + 1]] <- rmst_case("veteran_trt_tau100_level90", veteran$time, veteran$status,
                                  as.integer(veteran$trt == 2), 100, level = 0.9)
rm[[length(rm) + 1]] <- rmst_case("group_without_events", c(2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11),
                                  c(0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0), c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0), 8)
rm[[length(rm) + 1]] <- rmst_case("tied_times_integer", as.numeric(sample(1:10, 80, TRUE)),
                                  rbinom(80, 1, 0.6), rep(0:1, 40), 9)
rm[[length(rm) + 1]] <- rmst_case("last_is_event_zero_surv", c(1, 2, 3, 4, 2, 3, 5, 6), c(1, 1, 1, 1, 1, 0, 1, 1),
                                  c(1, 1, 1, 1, 0, 0, 0, 0), 4)
for (i in 1:6) {
  n <- sample(10:300, 1)
  et <- rexp(n, 0.05); ct <- rexp(n, 0.03); g <- rbinom(n, 1, 0.5)
  t <- r2(pmin(et, ct)); e <- as.integer(et <= ct)
  tau <- r2(min(max(t[g == 1]), max(t[g == 0])) * runif(1, 0.3, 1))
  rm[[length(rm) + 1]] <- rmst_case(sprintf("random_%02d", i), t, e, g, tau)
}
write_fixture("rmst", rm)

# ---------------------------------------------------------------- Aalen-Johansen
# survfit(Surv(time, factor(status, 0:2)) ~ 1): state 2 of pstate ("1", the event
# of interest), its std.err (infinitesimal jackknife) and the default log CI; and
# summary(fit, times = ...) at requested times (times beyond the last are dropped).
cif_case <- function(name, time, status, times) {
  f <- survfit(Surv(time, factor(status, 0:2)) ~ 1)
  s <- summary(f, times = times)
  list(name = name, time = I(time), status = I(as.integer(status)),
       rows = list(time = I(f$time), n_risk = I(f$n.risk[, 1]), n_event = I(f$n.event[, 2]),
                   n_competing = I(f$n.event[, 3]), n_censor = I(as.vector(f$n.censor)),
                   estimate = I(f$pstate[, 2]), std_err = I(f$std.err[, 2]),
                   lower = I(f$lower[, 2]), upper = I(f$upper[, 2])),
       times = I(times),
       at = list(time = I(s$time), estimate = I(s$pstate[, 2]), std_err = I(s$std.err[, 2]),
                 lower = I(s$lower[, 2]), upper = I(s$upper[, 2]), n_risk = I(s$n.risk[, 1])))
}
mg <- mgus2
mg$etime <- with(mg, ifelse(pstat == 0, futime, ptime))
mg$event <- with(mg, ifelse(pstat == 0, 2 * death, 1))
ci <- list()
ci[[length(ci) + 1]] <- cif_case("mgus2_progression_vs_death", mg$etime, mg$event, c(0, 0.5, 1, 12, 24, 60, 120, 240, 400, 500))
ci[[length(ci) + 1]] <- cif_case("mgus2_male", mg$etime[mg$sex == "M"], mg$event[mg$sex == "M"], c(12, 60, 120))
ci[[length(ci) + 1]] <- cif_case("mgus2_months", mg$etime / 1, mg$event, c(6, 12, 24))
ci[[length(ci) + 1]] <- cif_case("no_competing_events", aml$time, aml$status, c(5, 10, 30, 161, 200))
ci[[length(ci) + 1]] <- cif_case("no_events_of_interest", c(1, 2, 3, 4, 5), c(2, 0, 2, 0, 0), c(1, 3, 5))
ci[[length(ci) + 1]] <- cif_case("small_example", c(1, 2, 3, 4), c(2, 1, 0, 1), c(0.5, 2.5, 4, 5))
ci[[length(ci) + 1]] <- cif_case("tied_times_mixed", c(1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5), c(1, 2, 0, 1, 1, 2, 0, 2, 1, 0, 2, 1), c(1, 2, 3.5, 5))
ci[[length(ci) + 1]] <- cif_case("time_zero_events", c(0, 0, 1, 2, 3, 3, 4), c(1, 2, 1, 0, 2, 1, 0), c(0, 1, 4))
ci[[length(ci) + 1]] <- cif_case("all_fail_at_end", c(1, 2, 3, 3), c(1, 2, 1, 2), c(2, 3))
near <- c(1, 1 + 1e-12, 2, 2 * (1 + 1e-10), 3, 3, 4 + 1e-9, 4, 5, 0.5, 1e-10, 6)
ci[[length(ci) + 1]] <- cif_case("near_ties_timefix", near, c(1, 2, 1, 0, 2, 1, 1, 0, 2, 1, 1, 0), c(1, 2, 4, 6))
for (i in 1:8) {
  n <- sample(c(5, 20, 100, 500, 2000), 1)
  t <- if (i %% 2 == 0) as.numeric(sample(1:15, n, TRUE)) else r2(rexp(n, 0.05))
  st <- sample(0:2, n, TRUE, prob = runif(3, 0.2, 1))
  ci[[length(ci) + 1]] <- cif_case(sprintf("random_%02d", i), t, st, sort(unique(round(quantile(t, c(0.1, 0.5, 0.9)), 1))))
}
write_fixture("cif", ci)

# ---------------------------------------------------------------- Gray's test
# cmprsk::cuminc(ftime, fstatus, group)$Tests for cause 1 (rho = 0); the p-value
# also as the upper tail (cuminc prints 1 - pchisq).
gray_case <- function(name, time, status, group) {
  te <- cuminc(time, status, group)$Tests
  st <- unname(te["1", "stat"])
  list(name = name, time = I(time), status = I(as.integer(status)), group = I(as.integer(group)),
       chisq = st, df = unname(te["1", "df"]), p = unname(te["1", "pv"]),
       p_upper = pchisq(st, te["1", "df"], lower.tail = FALSE))
}
gr <- list()
gr[[length(gr) + 1]] <- gray_case("mgus2_sex", mg$etime, mg$event, as.integer(mg$sex == "M"))
mg$agegr <- cut(mg$age, c(0, 60, 70, 80, Inf), labels = FALSE)
gr[[length(gr) + 1]] <- gray_case("mgus2_age_4_groups", mg$etime, mg$event, mg$agegr)
gr[[length(gr) + 1]] <- gray_case("small_two_groups", c(1, 2, 3, 4, 5, 6, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5),
                                  c(1, 1, 2, 1, 0, 1, 2, 1, 0, 2, 2, 0), rep(0:1, each = 6))
gr[[length(gr) + 1]] <- gray_case("group_without_events_of_interest", c(1, 2, 3, 4, 5, 6, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5),
                                  c(1, 1, 2, 1, 0, 1, 2, 0, 0, 2, 2, 0), rep(0:1, each = 6))
gr[[length(gr) + 1]] <- gray_case("no_competing_events", aml$time, aml$status, as.integer(aml$x == "Maintained"))
gr[[length(gr) + 1]] <- gray_case("tied_times", as.numeric(sample(1:8, 120, TRUE)), sample(0:2, 120, TRUE), sample(1:3, 120, TRUE))
for (i in 1:6) {
  n <- sample(c(20, 100, 400, 1500), 1)
  t <- if (i %% 2 == 0) as.numeric(sample(1:20, n, TRUE)) else r2(rexp(n, 0.05))
  gr[[length(gr) + 1]] <- gray_case(sprintf("random_%02d", i), t, sample(0:2, n, TRUE), sample(1:(2 + i %% 3), n, TRUE))
}
write_fixture("gray", gr)

# ---------------------------------------------------------------- Cox: concordance, cox.zph
# coxph(...)$concordance (concordancefit, timewt "n", reverse = TRUE) and
# cox.zph(fit)$table (transform "km", terms = TRUE, global). The design is
# model.matrix without the intercept; `terms` lists the 0-based columns of each
# term (a k-level factor is one term of k - 1 columns). With collinear columns R
# drops a coefficient as NA; mmreport refuses (StatsError::Singular): such cases
# carry "collinear" = TRUE and no R values.
cox_extra_case <- function(name, time, event, data, formula_rhs, ties = "efron", zph = TRUE) {
  mf <- model.frame(as.formula(paste("~", formula_rhs)), data)
  mm <- model.matrix(as.formula(paste("~", formula_rhs)), mf)
  asg <- attr(mm, "assign")[-1]
  mm <- mm[, -1, drop = FALSE]
  terms <- lapply(unique(asg), function(a) I(which(asg == a) - 1L))
  warn <- character(0)
  f <- withCallingHandlers(coxph(Surv(time, event) ~ mm, ties = ties),
                           warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  out <- list(name = name, ties = ties, time = I(time), event = I(as.logical(event)),
              x = lapply(seq_len(nrow(mm)), function(i) I(unname(mm[i, ]))),
              terms = terms, collinear = any(is.na(coef(f))),
              infinite_warning = any(grepl("may be infinite", warn)))
  if (out$collinear) return(out)
  cc <- f$concordance
  out$concordance <- list(concordant = unname(cc["concordant"]), discordant = unname(cc["discordant"]),
                          tied_x = unname(cc["tied.x"]), tied_y = unname(cc["tied.y"]),
                          tied_xy = unname(cc["tied.xy"]), concordance = unname(cc["concordance"]),
                          std = unname(cc["std"]))
  if (zph) {
    # cox.zph refits nothing: it uses the fit's coefficients; re-express the
    # assign of the single matrix term as the terms above.
    f2 <- f
    names(terms) <- paste0("t", seq_along(terms))
    f2$assign <- lapply(terms, function(j) as.integer(j) + 1L)
    z <- cox.zph(f2)$table
    out$zph <- list(chisq = I(unname(z[, "chisq"])), df = I(unname(z[, "df"])), p = I(unname(z[, "p"])))
  }
  out
}
lung3 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "wt.loss")])
lung3$ecog <- factor(pmin(lung3$ph.ecog, 2))
vet <- veteran
cz <- list()
for (ties in c("efron", "breslow")) {
  cz[[length(cz) + 1]] <- cox_extra_case(paste0("lung_age_sex_ecog_", ties), lung3$time, lung3$status - 1,
                                         lung3, "age + sex + ecog + wt.loss", ties)
  cz[[length(cz) + 1]] <- cox_extra_case(paste0("veteran_multivariable_", ties), vet$time, vet$status, vet,
                                         "trt + celltype + karno + age + prior", ties)
}
cz[[length(cz) + 1]] <- cox_extra_case("aml_group", aml$time, aml$status, aml, "x")
mg2 <- na.omit(mgus2[, c("futime", "death", "age", "sex", "hgb", "mspike")])
cz[[length(cz) + 1]] <- cox_extra_case("mgus2_death", mg2$futime, mg2$death, mg2, "age + sex + hgb + mspike")
cz[[length(cz) + 1]] <- cox_extra_case("lung_tied_days_months", round(lung3$time / 30.4375), lung3$status - 1,
                                       lung3, "age + sex + ecog")
dcol <- data.frame(a = rnorm(60), g = factor(sample(c("x", "y", "z"), 60, TRUE)))
dcol$b <- 2 * dcol$a
cz[[length(cz) + 1]] <- cox_extra_case("collinear", r2(rexp(60, 0.1)), rbinom(60, 1, 0.7), dcol, "a + b + g")
# A factor level with no events: monotone likelihood (R warns the coefficient
# may be infinite); concordance only (the zph test at a diverging estimate is not
# meaningful and is not compared).
dm <- data.frame(a = rnorm(50), g = factor(rep(c("p", "q", "r"), c(20, 20, 10))))
tm <- r2(rexp(50, 0.1)); ev <- rbinom(50, 1, 0.7); ev[dm$g == "r"] <- 0
cz[[length(cz) + 1]] <- cox_extra_case("factor_level_without_events", tm, ev, dm, "a + g", zph = FALSE)
near <- c(1, 1 + 1e-12, 2, 2 * (1 + 1e-10), 3, 3, 4 + 1e-9, 4, 5, 0.5, 1e-10, 6, 7, 8, 9, 10)
dn <- data.frame(a = rnorm(16), b = rbinom(16, 1, 0.5))
cz[[length(cz) + 1]] <- cox_extra_case("near_ties_timefix", near, c(1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1), dn, "a + b")
for (i in 1:6) {
  n <- sample(c(30, 100, 400), 1)
  d <- data.frame(a = rnorm(n), b = rbinom(n, 1, 0.4), g = factor(sample(1:3, n, TRUE)))
  et <- rexp(n, 0.1 * exp(0.3 * d$a + 0.5 * d$b)); ct <- rexp(n, 0.05)
  t <- if (i %% 2 == 0) round(pmin(et, ct)) + 1 else r2(pmin(et, ct))
  cz[[length(cz) + 1]] <- cox_extra_case(sprintf("random_%02d_%s", i, c("efron", "breslow")[i %% 2 + 1]),
                                         t, as.integer(et <= ct), d, "a + b + g", c("efron", "breslow")[i %% 2 + 1])
}
write_fixture("cox_extra", cz)
