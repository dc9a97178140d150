# Reference values for spinemet.analysis.paired and spinemet.analysis.outcomes (two-sample tests).
#
# Run from the repository root:   Rscript tests/r/outcomes.R
# Writes tests/data/r/outcomes_tests.json (fixed data sets written below, so the JSON holds both the
# inputs and R's results) and, when src/spinemet/cohort/data/demo_cohort.csv exists,
# tests/data/r/outcomes_demo.json (the study's paired tests, by Tokuhashi band and procedure, and the
# MISt-vs-conventional tests on the demo cohort).
#
# R calls: t.test(post, pre, paired = TRUE); wilcox.test(post, pre, paired = TRUE) (defaults exact = NULL,
# correct = TRUE); t.test(x, y) (Welch); wilcox.test(x, y); fisher.test(matrix); on the demo cohort also
# survival::survfit + quantile (KM median by Tokuhashi band, conf.type "log"), summary(fit, times = c(6, 12),
# extend = TRUE) by band, survdiff (log-rank by band
# and by procedure), the trend statistic from survdiff's O, E, V, and concordance(Surv ~ tokuhashi).
# No packages beyond base R/stats (jsonlite is not installed here): a small JSON writer follows.

num <- function(x) {
  if (length(x) == 0) return("[]")
  s <- ifelse(is.na(x), "null", sprintf("%.17g", as.numeric(x)))
  s <- ifelse(is.infinite(x), ifelse(x > 0, "1e308", "-1e308"), s)
  if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]")
}
str_json <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
to_json <- function(x, indent = 0) {
  pad <- strrep(" ", indent + 2)
  if (is.list(x)) {
    if (!is.null(names(x))) {
      items <- mapply(function(k, v) paste0(pad, str_json(k), ": ", to_json(v, indent + 2)),
                      names(x), x, USE.NAMES = FALSE)
      return(paste0("{\n", paste(items, collapse = ",\n"), "\n", strrep(" ", indent), "}"))
    }
    items <- vapply(x, function(v) paste0(pad, to_json(v, indent + 2)), "")
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", strrep(" ", indent), "]"))
  }
  if (is.character(x)) {
    if (length(x) == 1) return(str_json(x))
    return(paste0("[", paste(str_json(x), collapse = ", "), "]"))
  }
  if (is.logical(x) && length(x) == 1 && !is.na(x)) return(if (x) "true" else "false")
  num(x)
}

paired_case <- function(name, pre, post) {
  ok <- !is.na(pre) & !is.na(post)
  res <- list(name = name, pre = as.numeric(pre), post = as.numeric(post), n_pairs = sum(ok))
  d <- post[ok] - pre[ok]
  if (sum(ok) >= 2 && sd(d) > 0) {
    tt <- t.test(post[ok], pre[ok], paired = TRUE)
    res$t <- unname(tt$statistic); res$df <- unname(tt$parameter); res$p_t <- tt$p.value
    res$mean_difference <- unname(tt$estimate); res$ci_low <- tt$conf.int[1]; res$ci_high <- tt$conf.int[2]
  }
  if (any(d != 0)) {
    wt <- suppressWarnings(wilcox.test(post[ok], pre[ok], paired = TRUE))
    res$v <- unname(wt$statistic); res$p_wilcoxon <- wt$p.value
  }
  res$pre_mean <- mean(pre[ok]); res$post_mean <- mean(post[ok])
  res
}

two_sample_case <- function(name, x, y) {
  x <- x[!is.na(x)]; y <- y[!is.na(y)]
  tt <- t.test(x, y)
  wt <- suppressWarnings(wilcox.test(x, y))
  list(name = name, x = as.numeric(x), y = as.numeric(y),
       t = unname(tt$statistic), df = unname(tt$parameter), p_t = tt$p.value,
       ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
       w = unname(wt$statistic), p_wilcoxon = wt$p.value)
}

fisher_case <- function(name, a, b, c, d) {
  ft <- fisher.test(matrix(c(a, c, b, d), nrow = 2))  # rows (a, b), (c, d)
  list(name = name, table = c(a, b, c, d), p = ft$p.value, odds_ratio = unname(ft$estimate),
       ci_low = ft$conf.int[1], ci_high = ft$conf.int[2])
}

# ---------------------------------------------------------------------------- fixed data sets
set.seed(20180117)
large_pre <- sample(seq(0, 100, 5), 120, replace = TRUE)
large_post <- pmin(100, pmax(0, large_pre + sample(seq(-10, 50, 5), 120, replace = TRUE)))
cont_pre <- round(runif(60, 0, 10), 3)
cont_post <- round(cont_pre - runif(60, -1, 5), 3)

paired <- list(
  # no ties, no zeros, n < 50: exact signed-rank distribution
  paired_case("exact_small", c(3.1, 5.2, 4.4, 7.9, 2.5, 6.05, 1.2, 8.8),
              c(1.0, 2.1, 4.9, 3.3, 0.3, 1.9, 1.25, 2.2)),
  # Barthel-like: ties and zero differences -> normal approximation with continuity correction
  paired_case("barthel_ties_zeros", c(40, 50, 30, 20, 10, 60, 45, 45, 0, 100, 35, 55),
              c(70, 80, 30, 50, 45, 60, 90, 85, 20, 100, 35, 95)),
  # one missing value in each vector
  paired_case("with_missing", c(4, NA, 6, 7, 3, 8, 2, 5), c(1, 0, NA, 2, 0, 3, 1, 0.5)),
  # n >= 50 with many ties
  paired_case("large_ties", large_pre, large_post),
  # n >= 50 continuous, no ties: normal approximation because n >= 50
  paired_case("large_continuous", cont_pre, cont_post),
  # all differences of one sign, n = 5 (exact p = 0.0625)
  paired_case("all_positive", c(10, 20, 30, 40, 50), c(11, 22, 33, 44, 55))
)

set.seed(42)
two_sample <- list(
  two_sample_case("exact_small", c(182, 150, 95, 210, 120, 160), c(240, 201, 310, 280, 190, 371, 263)),
  two_sample_case("ties", c(5, 150, 150, 300, 420, 80, 95), c(300, 600, 1500, 420, 800, 150, 2500, 950)),
  two_sample_case("large", round(rnorm(55, 180, 40)), round(rnorm(60, 230, 60)))
)

fisher <- list(
  fisher_case("complications", 3, 21, 12, 19),
  fisher_case("small", 1, 9, 6, 4),
  fisher_case("zero_cell", 0, 10, 5, 5)
)

out <- list(r_version = R.version.string, paired = paired, two_sample = two_sample, fisher = fisher)
writeLines(to_json(out), "tests/data/r/outcomes_tests.json")
cat("wrote tests/data/r/outcomes_tests.json\n")

# ---------------------------------------------------------------------------- demo cohort
demo_path <- "src/spinemet/cohort/data/demo_cohort.csv"
if (file.exists(demo_path)) {
  demo <- read.csv(demo_path, stringsAsFactors = FALSE, na.strings = c(""))
  band <- if ("tokuhashi_band" %in% names(demo)) demo$tokuhashi_band else
    as.character(cut(demo$tokuhashi, c(-1, 8, 11, 15), labels = c("0-8", "9-11", "12-15")))
  res <- list(r_version = R.version.string, n = nrow(demo))
  for (v in c("barthel", "vas")) {
    pre <- demo[[paste0(v, "_pre")]]; post <- demo[[paste0(v, "_post")]]
    groups <- list(all = paired_case("all", pre, post))
    for (b in c("0-8", "9-11", "12-15")) {
      m <- !is.na(band) & band == b
      groups[[paste0("band_", b)]] <- paired_case(b, pre[m], post[m])
    }
    for (p in c("conventional", "mist")) {
      m <- !is.na(demo$procedure) & demo$procedure == p
      groups[[paste0("procedure_", p)]] <- paired_case(p, pre[m], post[m])
    }
    res[[v]] <- groups
  }
  mist <- !is.na(demo$procedure) & demo$procedure == "mist"
  conv <- !is.na(demo$procedure) & demo$procedure == "conventional"
  comp <- ifelse(is.na(demo$complications), "", demo$complications)
  anyc <- comp != ""
  res$mist_vs_conventional <- list(
    operative_time_min = two_sample_case("operative_time_min", demo$operative_time_min[mist],
                                         demo$operative_time_min[conv]),
    blood_loss_ml = two_sample_case("blood_loss_ml", demo$blood_loss_ml[mist], demo$blood_loss_ml[conv]),
    levels_fused = two_sample_case("levels_fused", demo$levels_fused[mist], demo$levels_fused[conv]),
    barthel_gain = two_sample_case("barthel_gain", (demo$barthel_post - demo$barthel_pre)[mist],
                                   (demo$barthel_post - demo$barthel_pre)[conv]),
    vas_change = two_sample_case("vas_change", (demo$vas_post - demo$vas_pre)[mist],
                                 (demo$vas_post - demo$vas_pre)[conv]),
    any_complication = fisher_case("any_complication", sum(anyc & mist), sum(!anyc & mist),
                                   sum(anyc & conv), sum(!anyc & conv))
  )
  suppressMessages(library(survival))
  ok <- !is.na(band) & !is.na(demo$survival_months)
  fit_band <- survfit(Surv(survival_months, dead) ~ band, data = data.frame(demo, band = band)[ok, ])
  q <- quantile(fit_band, probs = 0.5)  # conf.type = "log" (default)
  sd_band <- survdiff(Surv(survival_months, dead) ~ band, data = data.frame(demo, band = band)[ok, ])
  # trend over ordered bands scored 1, 2, 3 (Collett 2015 sec. 2.6.4), from survdiff's O, E and V
  lev <- sub("band=", "", names(sd_band$n))
  sc <- c("0-8" = 1, "9-11" = 2, "12-15" = 3)[lev]
  u <- sum(sc * (sd_band$obs - sd_band$exp))
  trend <- u^2 / as.numeric(t(sc) %*% sd_band$var %*% sc)
  res$survival_by_band <- list(
    levels = lev,
    median = unname(q$quantile[, 1]), median_lower = unname(q$lower[, 1]),
    median_upper = unname(q$upper[, 1]),
    logrank_chi2 = sd_band$chisq, logrank_df = length(sd_band$n) - 1,
    logrank_p = pchisq(sd_band$chisq, length(sd_band$n) - 1, lower.tail = FALSE),
    trend_chi2 = trend, trend_p = pchisq(trend, 1, lower.tail = FALSE)
  )
  okp <- !is.na(demo$procedure) & !is.na(demo$survival_months)
  sd_proc <- survdiff(Surv(survival_months, dead) ~ procedure, data = demo[okp, ])
  res$survival_by_procedure <- list(
    logrank_chi2 = sd_proc$chisq, logrank_p = pchisq(sd_proc$chisq, 1, lower.tail = FALSE)
  )
  sm <- summary(fit_band, times = c(6, 12), extend = TRUE)
  res$calibration_by_band <- list(
    strata = sub("band=", "", as.character(sm$strata)), time = sm$time, surv = sm$surv,
    lower = sm$lower, upper = sm$upper
  )
  fit_all <- survfit(Surv(survival_months, dead) ~ 1, data = demo)
  qa <- quantile(fit_all, probs = 0.5)
  res$survival_overall <- list(median = unname(qa$quantile), lower = unname(qa$lower),
                               upper = unname(qa$upper))
  cc <- function(f, rev) {
    fit <- concordance(f, data = demo, reverse = rev)
    list(c = unname(fit$concordance), se = sqrt(unname(fit$var)), n = fit$n)
  }
  res$concordance <- list(tokuhashi = cc(Surv(survival_months, dead) ~ tokuhashi, FALSE))
  writeLines(to_json(res), "tests/data/r/outcomes_demo.json")
  cat("wrote tests/data/r/outcomes_demo.json\n")
} else {
  cat("demo cohort not found; outcomes_demo.json not written\n")
}
