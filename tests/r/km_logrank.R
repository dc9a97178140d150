# Reference values for spinemet.analysis.survival / logrank, from R's survival package (3.5-3).
#
# Run from the repo root:   Rscript tests/r/km_logrank.R
# Needs: survival (recommended package) and jsonlite (Debian/Ubuntu: apt-get install -y r-cran-jsonlite;
#        elsewhere: install.packages("jsonlite")). Reads tests/data/datasets/*.csv (written by
#        export_datasets.R) and, if present, src/spinemet/cohort/data/demo_cohort.csv.
# Writes tests/data/r/km_<dataset>.json and tests/data/r/logrank_<dataset>.json.
#
# km_<dataset>.json: for each curve (overall, and each level of each grouping variable) and each
#   conf.type in log / plain / log-log:
#     table   = the survfit object: time, n.risk, n.event, n.censor, surv, std.err (SE of cumulative
#               hazard, survfit's $std.err), std.err.surv (summary(fit)$std.err = SE of S), lower, upper
#     quantile = quantile(fit, probs = c(.25, .5, .75)) -> quantile, lower, upper
#     at      = summary(fit, times = times, extend = TRUE) -> time, n.risk, n.event, surv, std.err, lower, upper
#     rmean   = summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")]  (same as print(fit, rmean = tau))
#   plus a weighted curve: survfit(..., weights = w, robust = FALSE).
# logrank_<dataset>.json: per grouping variable
#     survdiff(Surv(time, event) ~ g, rho = 0 and 1): n, obs, exp, var, chisq, pvalue
#     pairwise: survdiff on each pair's subset (rho = 0), p.adjust(method = "holm")
#               (= survminer::pairwise_survdiff(..., p.adjust.method = "holm"))
#     trend   : scores 1..k in level order; U = sum(s * (obs - exp)), V = t(s) %*% var %*% s,
#               chisq = U^2 / V, p = pchisq(chisq, 1, lower.tail = FALSE)
#     gehan   : Gehan-Breslow Wilcoxon computed here by an explicit loop over event times with
#               weight n(t) (an implementation independent of survdiff's C code)
library(survival)
library(jsonlite)

out_dir <- "tests/data/r"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
ds_dir <- "tests/data/datasets"

write_json_file <- function(x, path) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, na = "string", pretty = FALSE), path)
  cat("wrote", path, "\n")
}

curve <- function(time, event, times, tau, weights = NULL) {
  res <- list()
  for (ct in c("log", "plain", "log-log")) {
    if (is.null(weights)) {
      fit <- survfit(Surv(time, event) ~ 1, conf.type = ct)
    } else {
      fit <- survfit(Surv(time, event) ~ 1, conf.type = ct, weights = weights, robust = FALSE)
    }
    s_all <- summary(fit, censored = TRUE)
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
    at <- summary(fit, times = times, extend = TRUE)
    rm <- summary(fit, rmean = tau)$table
    res[[ct]] <- list(
      call = sprintf("survfit(Surv(time, event) ~ 1, conf.type = \"%s\"%s)", ct,
                     if (is.null(weights)) "" else ", weights = w, robust = FALSE"),
      n = fit$n,
      table = list(time = fit$time, n.risk = fit$n.risk, n.event = fit$n.event,
                   n.censor = fit$n.censor, surv = fit$surv, std.err = fit$std.err,
                   std.err.surv = s_all$std.err, lower = fit$lower, upper = fit$upper),
      quantile = list(probs = c(0.25, 0.5, 0.75), quantile = unname(q$quantile),
                      lower = unname(q$lower), upper = unname(q$upper)),
      at = list(call = "summary(fit, times = times, extend = TRUE)",
                time = at$time, n.risk = at$n.risk, n.event = at$n.event, surv = at$surv,
                std.err = at$std.err, lower = at$lower, upper = at$upper),
      rmean = list(call = sprintf("summary(fit, rmean = %s)$table", format(tau)),
                   tau = tau, rmean = unname(rm["rmean"]), se = unname(rm["se(rmean)"]))
    )
  }
  res
}

gehan_by_hand <- function(time, event, g) {
  lev <- levels(g)
  k <- length(lev)
  obs <- exp <- numeric(k)
  v <- matrix(0, k, k)
  for (tt in sort(unique(time[event == 1]))) {
    at_risk <- time >= tt
    n <- sum(at_risk)
    d <- sum(event[time == tt])
    nj <- sapply(lev, function(l) sum(at_risk & g == l))
    dj <- sapply(lev, function(l) sum(event[time == tt & g == l]))
    w <- n
    obs <- obs + w * dj
    exp <- exp + w * d * nj / n
    if (n > 1) {
      kt <- w^2 * d * (n - d) / (n * (n - 1))
      v <- v + kt * (diag(nj, k) - outer(nj, nj) / n)
    }
  }
  keep <- exp > 0
  dd <- (obs - exp)[keep][-1]
  vv <- v[keep, keep, drop = FALSE][-1, -1, drop = FALSE]
  chisq <- sum(solve(vv, dd) * dd)
  df <- sum(keep) - 1
  list(obs = obs, exp = exp, var = v, chisq = chisq, df = df,
       pvalue = pchisq(chisq, df, lower.tail = FALSE))
}

tests_for <- function(time, event, g) {
  g <- factor(g)
  lev <- levels(g)
  res <- list(levels = lev)
  for (rho in c(0, 1)) {
    sd <- survdiff(Surv(time, event) ~ g, rho = rho)
    res[[paste0("rho", rho)]] <- list(
      call = sprintf("survdiff(Surv(time, event) ~ group, rho = %d)", rho),
      n = as.numeric(sd$n), obs = sd$obs, exp = sd$exp, var = sd$var,
      chisq = sd$chisq, df = length(lev) - 1, pvalue = sd$pvalue)
  }
  pairs <- combn(seq_along(lev), 2)
  pw <- list(group1 = character(0), group2 = character(0), chisq = numeric(0), p = numeric(0))
  for (j in seq_len(ncol(pairs))) {
    a <- lev[pairs[1, j]]; b <- lev[pairs[2, j]]
    sel <- g %in% c(a, b)
    sd <- survdiff(Surv(time[sel], event[sel]) ~ droplevels(g[sel]))
    pw$group1 <- c(pw$group1, a); pw$group2 <- c(pw$group2, b)
    pw$chisq <- c(pw$chisq, sd$chisq)
    pw$p <- c(pw$p, pchisq(sd$chisq, 1, lower.tail = FALSE))
  }
  pw$p_holm <- p.adjust(pw$p, method = "holm")
  pw$call <- "survdiff on each pair's subset; p.adjust(p, method = \"holm\")"
  res$pairwise <- pw
  sd <- survdiff(Surv(time, event) ~ g)
  s <- seq_along(lev)
  u <- sum(s * (sd$obs - sd$exp))
  vs <- as.numeric(t(s) %*% sd$var %*% s)
  res$trend <- list(call = "s = 1..k; U = sum(s*(obs-exp)); V = t(s) %*% var %*% s from survdiff(rho = 0)",
                    scores = s, u = u, var = vs, chisq = u^2 / vs,
                    pvalue = pchisq(u^2 / vs, 1, lower.tail = FALSE))
  res$gehan <- gehan_by_hand(time, event, g)
  res
}

run <- function(name, time, event, groups, times, tau) {
  km <- list(dataset = name, survival = as.character(packageVersion("survival")),
             times = times, tau = tau)
  km$overall <- curve(time, event, times, tau)
  for (gn in names(groups)) {
    g <- groups[[gn]]
    for (l in sort(unique(g))) {
      sel <- g == l
      km[[paste0(gn, "=", l)]] <- curve(time[sel], event[sel], times, tau)
    }
  }
  w <- 0.5 + (seq_along(time) %% 5) / 4  # deterministic case weights 0.75..1.5
  km$weighted <- curve(time, event, times, tau, weights = w)
  km$weighted$weights <- "0.5 + (seq_along(time) %% 5) / 4"
  write_json_file(km, file.path(out_dir, paste0("km_", name, ".json")))
  lr <- list(dataset = name, survival = as.character(packageVersion("survival")))
  for (gn in names(groups)) lr[[gn]] <- tests_for(time, event, groups[[gn]])
  write_json_file(lr, file.path(out_dir, paste0("logrank_", name, ".json")))
}

lung <- read.csv(file.path(ds_dir, "lung.csv"))
l2 <- lung[!is.na(lung$ph.ecog), ]
run("lung", lung$time, lung$status - 1, list(sex = lung$sex),
    times = c(1, 90, 180, 365, 730, 1100), tau = 730)
run("lung_ecog", l2$time, l2$status - 1, list(ph.ecog = l2$ph.ecog),
    times = c(1, 90, 180, 365, 730, 1100), tau = 730)

veteran <- read.csv(file.path(ds_dir, "veteran.csv"))
run("veteran", veteran$time, veteran$status, list(trt = veteran$trt, celltype = veteran$celltype),
    times = c(1, 30, 90, 180, 365, 1000), tau = 365)

ovarian <- read.csv(file.path(ds_dir, "ovarian.csv"))
run("ovarian", ovarian$futime, ovarian$fustat, list(rx = ovarian$rx),
    times = c(30, 180, 365, 730, 1300), tau = 1000)

pbc <- read.csv(file.path(ds_dir, "pbc.csv"))
p2 <- pbc[!is.na(pbc$trt), ]
run("pbc", p2$time, as.numeric(p2$status == 2), list(trt = p2$trt),
    times = c(30, 365, 1825, 3650, 5000), tau = 3650)
p3 <- pbc[!is.na(pbc$stage), ]
run("pbc_stage", p3$time, as.numeric(p3$status == 2), list(stage = p3$stage),
    times = c(30, 365, 1825, 3650, 5000), tau = 3650)

# Continuous times (17 significant digits, no ties): the public SPSS-Mac example data (tests/data/spss/),
# which exercises spinemet's sort-based path rather than its integer-grid path.
spssmac <- read.csv("tests/data/spss/spssmac_cluster_survival.csv")
run("spssmac", spssmac$time, spssmac$event, list(grp = spssmac$grp),
    times = c(1, 6, 12, 24, 48, 200), tau = 48)

# Edge cases for quantile.survfit (km_edge.json): hand-made curves (flat stretch at 0.5, curve ending at
# 0.5, no events) and 40 small random samples with ties and heavy censoring (set.seed(20261124)), where the
# pointwise bands can be non-monotone; quantile(fit, probs = c(.1, .25, .5, .75, .9)) for each conf.type.
edge_cases <- list(
  list(time = c(1, 2, 3, 4), event = c(1, 1, 1, 1)),
  list(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  list(time = c(2, 2, 5, 5, 8, 8), event = c(1, 1, 1, 0, 1, 0)),
  list(time = c(3, 4, 5), event = c(0, 0, 0))
)
set.seed(20261124)
for (i in 1:40) {
  n <- sample(5:40, 1)
  tt <- round(rexp(n, 1 / 10), sample(0:1, 1))
  cc <- round(rexp(n, 1 / runif(1, 5, 30)), 0)
  edge_cases[[length(edge_cases) + 1]] <- list(time = pmax(pmin(tt, cc), 0),
                                               event = as.numeric(tt <= cc))
}
edge <- lapply(edge_cases, function(ec) {
  out <- list(time = ec$time, event = ec$event)
  for (ct in c("log", "plain", "log-log")) {
    fit <- survfit(Surv(ec$time, ec$event) ~ 1, conf.type = ct)
    q <- quantile(fit, probs = c(0.1, 0.25, 0.5, 0.75, 0.9))
    out[[ct]] <- list(quantile = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper))
  }
  out
})
write_json_file(list(call = "quantile(survfit(Surv(time, event) ~ 1, conf.type = ct), probs = probs)",
                     probs = c(0.1, 0.25, 0.5, 0.75, 0.9), cases = edge),
                file.path(out_dir, "km_edge.json"))

demo <- "src/spinemet/cohort/data/demo_cohort.csv"
if (file.exists(demo)) {
  # spinemet's demo cohort (55 synthetic patients): survival_months, dead; groups Tokuhashi band coded
  # 1 = 0-8, 2 = 9-11, 3 = 12-15 (Tokuhashi 2005; numeric so the trend scores follow the band order) and
  # procedure. The inputs are embedded in the JSON ("data") so the
  # test does not silently change if the demo cohort is regenerated (a separate test checks they agree).
  dm <- read.csv(demo, stringsAsFactors = FALSE)
  band <- ifelse(dm$tokuhashi <= 8, 1, ifelse(dm$tokuhashi <= 11, 2, 3))
  run("demo", dm$survival_months, dm$dead, list(tokuhashi_band = band, procedure = dm$procedure),
      times = c(1, 3, 6, 12, 24, 36), tau = 24)
  km <- fromJSON(file.path(out_dir, "km_demo.json"), simplifyVector = FALSE)
  km$data <- list(source = demo, time = dm$survival_months, event = dm$dead,
                  tokuhashi_band = band, procedure = dm$procedure)
  write_json_file(km, file.path(out_dir, "km_demo.json"))
}

# No deaths at all (logrank_noevents.json): survdiff gives obs = exp = 0, var = 0, chisq 0 and p NA;
# the trend statistic U^2 / s'Vs is then 0/0 = NaN. spinemet reports NaN p (and a note) instead of raising.
ne_time <- c(1, 2, 3, 4, 5, 6)
ne_event <- rep(0, 6)
ne_group <- c("a", "a", "b", "b", "c", "c")
sd <- suppressWarnings(survdiff(Surv(ne_time, ne_event) ~ ne_group))
s <- 1:3
u <- sum(s * (sd$obs - sd$exp))
vs <- as.numeric(t(s) %*% sd$var %*% s)
write_json_file(list(
  call = "survdiff(Surv(time, event) ~ group) with event all 0; trend U = sum(s*(obs-exp)), V = t(s) %*% var %*% s",
  data = list(time = ne_time, event = ne_event, group = ne_group),
  obs = sd$obs, exp = sd$exp, var = sd$var, chisq = sd$chisq,
  pvalue = sd$pvalue,
  trend = list(scores = s, u = u, var = vs, chisq = u^2 / vs)),
  file.path(out_dir, "logrank_noevents.json"))
