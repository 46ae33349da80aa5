#!/usr/bin/env Rscript
# Expected multivariable Cox models of the bundled example (issue 15) for
# tests/it/reviewers.rs::multivariable_cox_models_of_the_example_match_r: coxph (Efron) on the
# default [[cox_models]] covariates (age linear; prior_lines_ge3, high_risk_cytogenetics and emd
# as two-level factors, "no" the reference), complete cases, and cox.zph (defaults).
# Input: the adsl.csv mmreport writes for examples/bendamustine-32.xlsx:
#   mmreport run --input examples --output out --config examples/bendamustine.toml
#   Rscript tests/golden/make_cox_models_fixture.R out/bendamustine-32/adsl.csv
# Needs R with 'survival' and 'jsonlite'.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
a <- read.csv(args[1], stringsAsFactors = FALSE)
g <- function(name) sapply(strsplit(a$GROUPS, ";"), function(x) {
  v <- sub(paste0("^", name, "="), "", x[grepl(paste0("^", name, "="), x)])
  if (length(v) == 0 || v == "") NA else v
})
for (n in c("prior_lines_ge3", "high_risk_cytogenetics", "emd")) a[[n]] <- factor(g(n), levels = c("no", "yes"))
model <- function(time, event) {
  f <- coxph(Surv(time, event) ~ AGE + prior_lines_ge3 + high_risk_cytogenetics + emd, data = a, ties = "efron")
  s <- summary(f)
  z <- cox.zph(f)
  list(n = f$n, events = f$nevent, hr = unname(exp(coef(f))), p = unname(s$coefficients[, 5]),
       lower = unname(s$conf.int[, 3]), upper = unname(s$conf.int[, 4]),
       lrt = unname(s$logtest[["test"]]), wald = unname(f$wald.test), score = unname(f$score),
       concordance = unname(f$concordance[["concordance"]]), concordance_se = unname(f$concordance[["std"]]),
       zph_global = unname(z$table["GLOBAL", "chisq"]), zph_global_p = unname(z$table["GLOBAL", "p"]))
}
out <- list(pfs_multivariable = model(a$PFSMO, a$PFSEVFL == "Y"), os_multivariable = model(a$OSMO, a$OSEVFL == "Y"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/golden/cox_models/example.json")
