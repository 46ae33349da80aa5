#!/usr/bin/env Rscript
# Public real myeloma data for tests/it/real_data.rs (issue 13): R's data sets written as a
# statistician has them (original column names, US units, durations, 0/1 events, no dates),
# and the survival analyses R gives on them, which mmreport must reproduce from the workbook
# with a short site config and no edit to the data.
#   survival::mgus2    Kyle et al., NEJM 2002;346:564 (1384 patients with MGUS): futime and
#                      ptime in months, death and pstat 0/1, hgb g/dL, creat mg/dL.
#   survival::myeloma  Mayo Clinic registry (3882 patients, 1947-1996): futime in days, death 0/1.
#   survminer::myeloma Total Therapy 2 (Zhan et al., Blood 2006;108:2020; GEO GSE4581), 256
#                      patients: time in months, event 0/1, molecular_group (7 levels),
#                      chr1q21_status (3 levels, 70 missing), 6 gene-expression columns, no id.
# Writes tests/golden/real/<name>.csv (NA as an empty cell) and tests/golden/real/expected.json:
# per data set and job, n, events, median and its CI (print.survfit), log-rank (survdiff),
# Cox (coxph, Efron): of the first level against the second for a two-level (yes/no) grouping;
# for a grouping with levels (a column's values or numeric bands), each level against the
# first, with the global likelihood-ratio test. Patients without a level are left out.
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

# Each level against the first (factor treatment contrasts), Wald CI and P per level.
cox_levels <- function(time, event, g) {
  keep <- !is.na(g)
  sm <- summary(coxph(Surv(time, event) ~ g, ties = "efron", subset = keep))
  lv <- lapply(seq_len(nlevels(g) - 1), function(i) {
    list(level = levels(g)[i + 1], hr = num(sm$conf.int[i, 1]), lower = num(sm$conf.int[i, 3]),
         upper = num(sm$conf.int[i, 4]), p_wald = num(sm$coefficients[i, 5]))
  })
  list(reference = levels(g)[1], levels = lv, p_lrt = num(sm$logtest[["pvalue"]]),
       df = num(sm$logtest[["df"]]))
}

job_levels <- function(time, event, g) {
  keep <- !is.na(g)
  sd <- survdiff(Surv(time, event) ~ g, subset = keep)
  list(groups = km_groups(time, event, g), not_grouped = sum(!keep),
       logrank = list(chisq = sd$chisq, p = pchisq(sd$chisq, nlevels(g) - 1, lower.tail = FALSE)),
       cox_levels = cox_levels(time, event, g))
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
  pfs_by_sex = job(m$ptime, m$pstat == 1, sex),
  # Age bands from `cuts = [65, 75]`: [-Inf, 65), [65, 75), [75, Inf).
  os_by_age_band = job_levels(m$futime, m$death == 1,
    cut(m$age, c(-Inf, 65, 75, Inf), right = FALSE, labels = c("< 65", "65\u201374", "\u2265 75")))
)

# survival::myeloma: days, reported in months (days / 30.4375).
y <- survival::myeloma
write_data(y, "myeloma_registry")
expected$myeloma_registry <- list(os_all = job(y$futime / dpm, y$death == 1))

# survminer::myeloma: months, event 0/1; levels in the order R's factor gives them
# (alphabetical, which is also mmreport's order of values as written).
if (requireNamespace("survminer", quietly = TRUE)) {
  data("myeloma", package = "survminer", envir = environment())
  s <- myeloma
  write_data(s, "myeloma_tt2")
  expected$myeloma_tt2 <- list(
    os_all = job(s$time, s$event == 1),
    os_by_molecular_group = job_levels(s$time, s$event == 1, s$molecular_group),
    os_by_chr1q21 = job_levels(s$time, s$event == 1, s$chr1q21_status)
  )
} else {
  stop("survminer is needed for survminer::myeloma")
}

writeLines(toJSON(expected, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(dir, "expected.json"))
