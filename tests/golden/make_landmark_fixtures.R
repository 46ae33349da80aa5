#!/usr/bin/env Rscript
# Expected landmark analyses and RMST for tests/it/reviewers.rs (issue 15), from the committed
# per-patient inputs of tests/golden/analysis/<cohort>.csv (uncut days and events, group
# levels; written by `cargo test --test it rgolden::write_r_inputs -- --ignored`).
# Landmark at `at` months (days / days_per_month): patients with time > at, time - at,
#   survfit (median, CI as print.survfit), survdiff (rho = 0), coxph (Efron) of "yes" vs "no";
#   excluded_before: n and events with time <= at.
# RMST up to tau: print(survfit, rmean = tau) rmean and se per group; difference ("yes" - "no")
#   and ratio (log scale) with qnorm(0.975) normal CIs, as survRM2::rmst2.
# Run from the repository root: Rscript tests/golden/make_landmark_fixtures.R
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
dir <- "tests/golden/analysis"
dpm <- 30.4375
num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(x)

landmark <- function(d, ep, at, grouping) {
  d$time <- d[[paste0(ep, "_DAYS")]] / dpm
  d$event <- d[[paste0(ep, "_EVENT")]] == 1
  v <- as.character(d[[paste0("G_", grouping)]]); v[v == ""] <- NA
  d$g <- factor(v, levels = c("yes", "no"))
  d <- d[!is.na(d$g), ]
  before <- d[d$time <= at, ]
  d <- d[d$time > at, ]
  d$time <- d$time - at
  groups <- lapply(levels(d$g), function(l) {
    s <- d[d$g == l, ]
    if (nrow(s) == 0) return(list(level = l, n = 0, events = 0, median = NA, lower = NA, upper = NA))
    tb <- summary(survfit(Surv(time, event) ~ 1, data = s))$table
    list(level = l, n = nrow(s), events = sum(s$event), median = num(tb["median"]),
         lower = num(tb["0.95LCL"]), upper = num(tb["0.95UCL"]))
  })
  out <- list(excluded_n = nrow(before), excluded_events = sum(before$event), groups = groups,
              logrank = NULL, cox = NULL)
  if (length(unique(d$g)) == 2) {
    sd <- survdiff(Surv(time, event) ~ g, data = d)
    out$logrank <- list(chisq = sd$chisq, p = pchisq(sd$chisq, 1, lower.tail = FALSE))
    d$x <- as.numeric(d$g == "yes")
    warned <- FALSE
    fit <- withCallingHandlers(coxph(Surv(time, event) ~ x, data = d, ties = "efron"),
      warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })
    sm <- summary(fit)
    out$cox <- list(monotone = warned, hr = num(sm$conf.int[1, 1]), lower = num(sm$conf.int[1, 3]),
                    upper = num(sm$conf.int[1, 4]), p_wald = num(sm$coefficients[1, 5]),
                    p_lrt = num(sm$logtest[["pvalue"]]))
  }
  out
}

rmst <- function(d, ep, tau, grouping) {
  d$time <- d[[paste0(ep, "_DAYS")]] / dpm
  d$event <- d[[paste0(ep, "_EVENT")]] == 1
  v <- as.character(d[[paste0("G_", grouping)]]); v[v == ""] <- NA
  d <- d[!is.na(v), ]; v <- v[!is.na(v)]
  one <- function(l) {
    tb <- summary(survfit(Surv(time, event) ~ 1, data = d[v == l, ]), rmean = tau)$table
    c(rmst = unname(tb["rmean"]), se = unname(tb["se(rmean)"]))
  }
  a <- one("yes"); b <- one("no"); z <- qnorm(0.975)
  diff <- a[["rmst"]] - b[["rmst"]]; se_d <- sqrt(a[["se"]]^2 + b[["se"]]^2)
  lr <- log(a[["rmst"]] / b[["rmst"]]); se_r <- sqrt((a[["se"]] / a[["rmst"]])^2 + (b[["se"]] / b[["rmst"]])^2)
  list(yes = as.list(a), no = as.list(b),
       difference = list(estimate = diff, lower = diff - z * se_d, upper = diff + z * se_d,
                         p = 2 * pnorm(-abs(diff / se_d))),
       ratio = list(estimate = exp(lr), lower = exp(lr - z * se_r), upper = exp(lr + z * se_r),
                    p = 2 * pnorm(-abs(lr / se_r))))
}

expected <- list()
for (name in c("example", "synthetic400")) {
  d <- read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE, na.strings = c("NA", ""))
  expected[[name]] <- list(
    pfs_by_cycles_landmark = landmark(d, "PFS", 3, "cycles_ge3"),
    os_by_cycles_landmark = landmark(d, "OS", 3, "cycles_ge3"),
    os_rmst_by_cycles = rmst(d, "OS", 24, "cycles_ge3"))
}
writeLines(toJSON(expected, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(dir, "landmark_rmst.json"))
cat("wrote", file.path(dir, "landmark_rmst.json"), "\n")
