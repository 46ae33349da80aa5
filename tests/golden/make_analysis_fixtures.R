#!/usr/bin/env Rscript
# Expected survival analyses for tests/it/rgolden.rs: for each cohort written by
#   cargo test --test it rgolden::write_r_inputs -- --ignored
# (tests/golden/analysis/<cohort>.csv: uncut days and events per patient, group levels;
# <cohort>.jobs.json: the survival jobs and the data cut-off), computes every job without and
# with the cut-off. The cut-off truncates the uncut times (administrative censoring):
#   days <- pmin(days, cutoff - start); event <- event & days_uncut <= cutoff - start;
# patients who start after the cut-off are left out.
# Per job: n, events, median and its CI (as print.survfit: summary(fit)$table), log-rank (survdiff, rho = 0),
# Cox (coxph, Efron): HR of the first level against the second, Wald CI and P, LRT P.
# Run from the repository root: Rscript tests/golden/make_analysis_fixtures.R
# Needs R with 'survival' and 'jsonlite'.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
dir <- "tests/golden/analysis"
num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(x)

job_result <- function(d, job, dpm) {
  ep <- job$endpoint
  d$time <- d[[paste0(ep, "_DAYS")]] / dpm
  d$event <- d[[paste0(ep, "_EVENT")]] == 1
  if (is.null(job$grouping)) {
    d$g <- factor(rep("All", nrow(d)))
  } else {
    v <- as.character(d[[paste0("G_", job$grouping)]])
    v[v == ""] <- NA
    lv <- if (all(v %in% c("yes", "no", NA))) c("yes", "no") else sort(unique(v[!is.na(v)]), method = "radix")
    d$g <- factor(v, levels = lv)
    d <- d[!is.na(d$g), ]
  }
  groups <- lapply(levels(d$g), function(l) {
    s <- d[d$g == l, ]
    if (nrow(s) == 0) return(list(level = l, n = 0, events = 0, median = NA, lower = NA, upper = NA))
    f <- survfit(Surv(time, event) ~ 1, data = s)
    tb <- summary(f)$table  # the median as print.survfit gives it
    list(level = l, n = nrow(s), events = sum(s$event), median = num(tb["median"]),
         lower = num(tb["0.95LCL"]), upper = num(tb["0.95UCL"]))
  })
  present <- levels(droplevels(d$g))
  out <- list(groups = groups, logrank = NULL, cox = NULL)
  if (!is.null(job$grouping) && length(present) >= 2) {
    sd <- survdiff(Surv(time, event) ~ g, data = droplevels(d))
    df <- length(present) - 1
    out$logrank <- list(chisq = sd$chisq, p = pchisq(sd$chisq, df, lower.tail = FALSE))
    if (nlevels(d$g) == 2) {
      d$x <- as.numeric(d$g == levels(d$g)[1])
      warned <- FALSE
      fit <- withCallingHandlers(coxph(Surv(time, event) ~ x, data = d, ties = "efron"),
        warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })
      sm <- summary(fit)
      out$cox <- list(monotone = warned, hr = num(sm$conf.int[1, 1]), lower = num(sm$conf.int[1, 3]),
                      upper = num(sm$conf.int[1, 4]), p_wald = num(sm$coefficients[1, 5]),
                      p_lrt = num(sm$logtest[["pvalue"]]))
    }
  }
  out
}

expected <- list()
for (meta_file in sort(list.files(dir, pattern = "\\.jobs\\.json$"))) {
  name <- sub("\\.jobs\\.json$", "", meta_file)
  meta <- fromJSON(file.path(dir, meta_file), simplifyVector = FALSE)
  d0 <- read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE, na.strings = c("NA", ""))
  cut_days <- as.numeric(as.Date(meta$cutoff) - as.Date(d0$STARTDT))
  dc <- d0[cut_days >= 0, ]
  cd <- cut_days[cut_days >= 0]
  for (ep in c("OS", "PFS")) {
    days <- dc[[paste0(ep, "_DAYS")]]
    dc[[paste0(ep, "_EVENT")]] <- as.integer(dc[[paste0(ep, "_EVENT")]] == 1 & days <= cd)
    dc[[paste0(ep, "_DAYS")]] <- pmin(days, cd)
  }
  res <- list()
  for (variant in c("none", "cutoff")) {
    d <- if (variant == "none") d0 else dc
    jobs <- list()
    for (job in meta$jobs) jobs[[job$id]] <- job_result(d, job, meta$days_per_month)
    res[[variant]] <- jobs
  }
  expected[[name]] <- res
  cat(sprintf("%-14s %d patients, %d after the cut-off %s\n", name, nrow(d0), sum(cut_days < 0), meta$cutoff))
}
writeLines(toJSON(expected, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(dir, "expected.json"))
