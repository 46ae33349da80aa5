#!/usr/bin/env Rscript
# Public real myeloma data for tests/it/real_data.rs (issue 13): R's data sets written as a
# statistician has them (original column names, US units, durations, 0/1 events, no dates),
# and the survival analyses R gives on them, which mmreport must reproduce from the workbook
# with a short site config and no edit to the data.
#   survival::mgus2    Kyle et al., NEJM 2002;346:564 (1384 patients with MGUS): futime and
#                      ptime in months, death and pstat 0/1, hgb g/dL, creat mg/dL.
#   survival::myeloma  Mayo Clinic registry (3882 patients, 1947-1996): futime in days, death 0/1.
# Writes tests/golden/real/<name>.csv (NA as an empty cell) and tests/golden/real/expected.json:
# per data set and job, n, events, median and its CI (print.survfit), log-rank (survdiff),
# Cox (coxph, Efron) of the first level against the second.
# Run from the repository root: Rscript tests/golden/make_real_data.R
# Needs R with 'survival' and 'jsonlite'.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
dir <- "tests/golden/real"
dpm <- 30.4375
num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(x)

write_data <- function(d, name) {
  write.csv(d, file.path(dir, paste0(name, ".csv")), row.names = FALSE, na = "")
}

km_groups <- function(time, event, g) {
  lapply(levels(g), function(l) {
    s <- g == l & !is.na(g)
    f <- survfit(Surv(time[s], event[s]) ~ 1)
    tb <- summary(f)$table
    list(level = l, n = sum(s), events = sum(event[s]), median = num(tb["median"]),
         lower = num(tb["0.95LCL"]), upper = num(tb["0.95UCL"]))
  })
}

job <- function(time, event, g = NULL) {
  if (is.null(g)) g <- factor(rep("All", length(time)))
  out <- list(groups = km_groups(time, event, g), logrank = NULL, cox = NULL)
  if (nlevels(g) == 2) {
    keep <- !is.na(g)
    sd <- survdiff(Surv(time, event) ~ g, subset = keep)
    out$logrank <- list(chisq = sd$chisq, p = pchisq(sd$chisq, 1, lower.tail = FALSE))
    x <- as.numeric(g == levels(g)[1])
    sm <- summary(coxph(Surv(time, event) ~ x, ties = "efron", subset = keep))
    out$cox <- list(monotone = FALSE, hr = num(sm$conf.int[1, 1]), lower = num(sm$conf.int[1, 3]),
                    upper = num(sm$conf.int[1, 4]), p_wald = num(sm$coefficients[1, 5]),
                    p_lrt = num(sm$logtest[["pvalue"]]))
  }
  out
}

expected <- list()

# mgus2: months; sex F/M (two-level grouping "sex": male = yes, listed first).
m <- survival::mgus2
write_data(m, "mgus2")
sex <- factor(ifelse(m$sex == "M", "yes", "no"), levels = c("yes", "no"))
expected$mgus2 <- list(
  os_all = job(m$futime, m$death == 1),
  pfs_all = job(m$ptime, m$pstat == 1),
  os_by_sex = job(m$futime, m$death == 1, sex),
  pfs_by_sex = job(m$ptime, m$pstat == 1, sex)
)

# survival::myeloma: days, reported in months (days / 30.4375).
y <- survival::myeloma
write_data(y, "myeloma_registry")
expected$myeloma_registry <- list(os_all = job(y$futime / dpm, y$death == 1))

writeLines(toJSON(expected, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(dir, "expected.json"))
