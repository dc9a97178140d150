# Reference values for spinemet.analysis.cox / concordance / time_auc.
# Run from the repo root:  Rscript tests/r/cox_concordance.R
# Needs: survival (3.5-3 here) and jsonlite (Debian: apt-get install -y r-cran-jsonlite; only needed to
# write these fixtures; CI reads the committed JSON and has no R).
# Inputs: the CSVs written by tests/r/export_datasets.R (tests/data/datasets/*.csv), so R and the Python
# tests read byte-identical data, and src/spinemet/cohort/data/demo_cohort.csv when present (its
# time/event/score columns are copied into the JSON so the test does not change if the demo is regenerated).
# Outputs: tests/data/r/cox_<name>.json, concordance_<name>.json, timeauc_<name>.json.
#
# Time-dependent AUC: the timeROC package is not installable here (no Debian package r-cran-timeroc), so the
# reference is timeROC's estimator for weighting = "marginal" (timeROC_3.R, $AUC) written out in base R
# (timeauc_by_hand below): cases T < t & delta == 1 weighted 1/G(T-), controls T > t weighted 1/G(t),
# G = Kaplan-Meier of the censoring distribution from survfit(Surv(T, 1 - delta) ~ 1), ties in the marker
# counted 1/2 (equal to timeROC's trapezoidal area under the ROC curve).
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
ds <- "tests/data/datasets"
out <- "tests/data/r"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, name) {
  write_json(x, file.path(out, paste0(name, ".json")), auto_unbox = TRUE, digits = I(17), pretty = TRUE,
             na = "null")
}
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")), stringsAsFactors = FALSE)

lung <- rd("lung")
lung$dead <- lung$status - 1
veteran <- rd("veteran")
veteran_text <- veteran  # celltype as character: factor() gives alphabetical levels (reference adeno)
veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
ovarian <- rd("ovarian")
pbc <- rd("pbc")
pbc$dead <- as.integer(pbc$status == 2)

cox_record <- function(fit, call, data_name, frame_note) {
  s <- summary(fit)
  cf <- s$coefficients
  ci <- s$conf.int
  robust <- !is.null(fit$naive.var)
  coefs <- list()
  for (nm in rownames(cf)) {
    coefs[[nm]] <- Filter(Negate(is.null), list(
      coef = unname(cf[nm, "coef"]),
      hr = unname(cf[nm, "exp(coef)"]),
      se = unname(if (robust) cf[nm, "robust se"] else cf[nm, "se(coef)"]),
      se_naive = if (robust) unname(cf[nm, "se(coef)"]) else NULL,
      z = unname(cf[nm, "z"]),
      p = unname(cf[nm, "Pr(>|z|)"]),
      hr_lower = unname(ci[nm, "lower .95"]),
      hr_upper = unname(ci[nm, "upper .95"])
    ))
  }
  Filter(Negate(is.null), list(
    call = call,
    dataset = data_name,
    frame = frame_note,
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    ties = fit$method,
    coefficients = coefs,
    order = I(rownames(cf)),
    loglik = unname(fit$loglik),
    # unrounded tests (summary() rounds the Wald test to 2 decimals when printing)
    lr_test = list(statistic = unname(s$logtest["test"]), df = unname(s$logtest["df"]),
                   p = unname(s$logtest["pvalue"])),
    wald_test = list(statistic = unname(fit$wald.test), df = length(fit$coefficients),
                     p = pchisq(unname(fit$wald.test), length(fit$coefficients), lower.tail = FALSE)),
    score_test = list(statistic = unname(fit$score), df = length(fit$coefficients),
                      p = pchisq(unname(fit$score), length(fit$coefficients), lower.tail = FALSE)),
    robust_score_test = if (robust) list(statistic = unname(fit$rscore), df = length(fit$coefficients),
                                         p = pchisq(unname(fit$rscore), length(fit$coefficients),
                                                    lower.tail = FALSE)) else NULL,
    concordance = list(c = unname(s$concordance[1]), se = unname(s$concordance[2])),
    n = fit$n,
    n_events = fit$nevent,
    iterations = fit$iter,
    means = I(unname(fit$means)),
    lp_first5 = unname(head(predict(fit, type = "lp"), 5))
  ))
}

for (tt in c("efron", "breslow")) {
  f <- coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, ties = tt)
  wj(cox_record(f, sprintf("coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, ties = \"%s\")", tt),
                "lung", "dead = status - 1"), paste0("cox_lung_", tt))
  f <- coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran, ties = tt)
  wj(cox_record(f, sprintf(paste0("coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran, ",
                                  "ties = \"%s\")  # celltype levels as survival::veteran"), tt),
                "veteran", "celltype categorical with categories squamous, smallcell, adeno, large"),
     paste0("cox_veteran_", tt))
  f <- coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, data = ovarian, ties = tt)
  wj(cox_record(f, sprintf("coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, data = ovarian, ties = \"%s\")", tt),
                "ovarian", "as is"), paste0("cox_ovarian_", tt))
  f <- coxph(Surv(time, dead) ~ age + edema + log(bili) + albumin + log(protime), data = pbc, ties = tt)
  wj(cox_record(f, sprintf(paste0("coxph(Surv(time, status == 2) ~ age + edema + log(bili) + albumin + ",
                                  "log(protime), data = pbc, ties = \"%s\")"), tt),
                "pbc", "dead = status == 2; columns log(bili), log(protime)"), paste0("cox_pbc_", tt))
}
# text covariate read as character -> factor with alphabetical levels (reference adeno)
f <- coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran_text)
wj(cox_record(f, "coxph(Surv(time, status) ~ trt + karno + factor(celltype) + age, data = veteran)  # alphabetical",
              "veteran", "celltype as text (object column)"), "cox_veteran_text")
f <- coxph(Surv(time, dead) ~ age + ph.ecog + strata(sex), data = lung)
wj(cox_record(f, "coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung)", "lung",
              "dead = status - 1; strata sex"), "cox_lung_strata")
f <- coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, robust = TRUE)
wj(cox_record(f, "coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, robust = TRUE)", "lung",
              "dead = status - 1; robust"), "cox_lung_robust")
f <- coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, robust = TRUE, ties = "breslow")
wj(cox_record(f, "coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, robust = TRUE, ties = \"breslow\")",
              "lung", "dead = status - 1; robust; breslow"), "cox_lung_robust_breslow")
f <- coxph(Surv(time, dead) ~ age + ph.ecog + strata(sex), data = lung, robust = TRUE)
wj(cox_record(f, "coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung, robust = TRUE)",
              "lung", "dead = status - 1; robust; strata sex"), "cox_lung_robust_strata")

# A harder fit (strong effects, 60 patients): more Newton-Raphson iterations, and iter.max = 3 / 1 so the
# "ran out of iterations" path is checked too. The simulated data are stored in the JSON.
set.seed(20261124)
hn <- 60
hard <- data.frame(x1 = rnorm(hn), x2 = rbinom(hn, 1, 0.3))
ht <- round(rexp(hn, exp(2.5 * hard$x1 + 1.5 * hard$x2)) * 100) + 1
hc <- round(rexp(hn, 0.3) * 100) + 1
hard$time <- pmin(ht, hc)
hard$status <- as.integer(ht <= hc)
for (spec in list(list("efron", 20), list("breslow", 20), list("efron", 3), list("efron", 1))) {
  f <- suppressWarnings(coxph(Surv(time, status) ~ x1 + x2, data = hard, ties = spec[[1]],
                              control = coxph.control(iter.max = spec[[2]])))
  rec <- cox_record(f, sprintf(paste0("coxph(Surv(time, status) ~ x1 + x2, data = hard, ties = \"%s\", ",
                                      "control = coxph.control(iter.max = %d))"), spec[[1]], spec[[2]]),
                    "hard (simulated, set.seed(20261124))", "data in $data")
  rec$iter_max <- spec[[2]]
  if (spec[[2]] > 1 && f$iter > spec[[2]]) {
    # Ran out of iterations: coxfit6 recomputes the information at the last good beta but then inverts it
    # with chinv2() without a fresh cholesky2(), so fit$var there is not the inverse information. The
    # proper SE at the returned beta, from R itself: refit with init = coef(f), iter.max = 0.
    f0 <- coxph(Surv(time, status) ~ x1 + x2, data = hard, ties = spec[[1]], init = coef(f),
                control = coxph.control(iter.max = 0))
    rec$se_at_beta <- as.list(sqrt(diag(vcov(f0))))
    rec$se_at_beta_call <- "coxph(..., init = coef(fit), control = coxph.control(iter.max = 0))"
  }
  rec$data <- as.list(hard)
  wj(rec, sprintf("cox_hard_%s_iter%d", spec[[1]], spec[[2]]))
}

# ---------------------------------------------------------------------------------- concordance
conc_record <- function(time, event, x, reverse, call) {
  f <- concordance(Surv(time, event) ~ x, reverse = reverse)
  list(call = call, reverse = reverse, c = unname(f$concordance), se = sqrt(unname(f$var)),
       count = as.list(f$count), n = f$n)
}
conc <- list(
  lung_age = conc_record(lung$time, lung$dead, lung$age, FALSE,
                         "concordance(Surv(time, status) ~ age, data = lung)"),
  lung_ecog = conc_record(lung$time, lung$dead, lung$ph.ecog, TRUE,
                          "concordance(Surv(time, status) ~ ph.ecog, data = lung, reverse = TRUE)"),
  lung_karno = conc_record(lung$time, lung$dead, lung$ph.karno, FALSE,
                           "concordance(Surv(time, status) ~ ph.karno, data = lung)"),
  veteran_karno = conc_record(veteran$time, veteran$status, veteran$karno, FALSE,
                              "concordance(Surv(time, status) ~ karno, data = veteran)"),
  ovarian_age = conc_record(ovarian$futime, ovarian$fustat, ovarian$age, TRUE,
                            "concordance(Surv(futime, fustat) ~ age, data = ovarian, reverse = TRUE)"),
  pbc_bili = conc_record(pbc$time, pbc$dead, pbc$bili, TRUE,
                         "concordance(Surv(time, status == 2) ~ bili, data = pbc, reverse = TRUE)"),
  pbc_albumin = conc_record(pbc$time, pbc$dead, pbc$albumin, FALSE,
                            "concordance(Surv(time, status == 2) ~ albumin, data = pbc)")
)
wj(conc, "concordance_datasets")

# ---------------------------------------------------------------------------------- time-dependent AUC
timeauc_by_hand <- function(T, delta, marker, times) {
  ok <- !is.na(T) & !is.na(delta) & !is.na(marker)
  T <- T[ok]; delta <- delta[ok]; marker <- marker[ok]
  cfit <- survfit(Surv(T, 1 - delta) ~ 1)
  g_minus <- function(s) vapply(s, function(u) {
    k <- sum(cfit$time < u); if (k == 0) 1 else cfit$surv[k]
  }, 0)
  g_at <- function(u) { k <- sum(cfit$time <= u); if (k == 0) 1 else cfit$surv[k] }
  lapply(times, function(t) {
    case <- T < t & delta == 1
    ctrl <- T > t
    w <- 1 / g_minus(T[case])
    mk <- marker[ctrl]
    hits <- vapply(marker[case], function(m) sum(mk < m) + 0.5 * sum(mk == m), 0)
    list(time = t, auc = sum(w * hits) / (sum(w) * sum(ctrl)), n_cases = sum(case), n_controls = sum(ctrl),
         cumulative_incidence = sum(w) / length(T), survival = sum(ctrl) / (g_at(t) * length(T)))
  })
}
tauc <- list(
  lung_ecog = list(call = "timeauc_by_hand(lung$time, lung$status - 1, lung$ph.ecog, c(180, 365, 540))",
                   higher_is_better = FALSE,
                   rows = timeauc_by_hand(lung$time, lung$dead, lung$ph.ecog, c(180, 365, 540))),
  lung_age = list(call = "timeauc_by_hand(lung$time, lung$status - 1, lung$age, c(180, 365))",
                  higher_is_better = FALSE,
                  rows = timeauc_by_hand(lung$time, lung$dead, lung$age, c(180, 365))),
  veteran_karno = list(call = "timeauc_by_hand(veteran$time, veteran$status, -veteran$karno, c(30, 90, 180))",
                       higher_is_better = TRUE,
                       rows = timeauc_by_hand(veteran$time, veteran$status, -veteran$karno, c(30, 90, 180))),
  ovarian_age = list(call = "timeauc_by_hand(ovarian$futime, ovarian$fustat, ovarian$age, c(365, 730))",
                     higher_is_better = FALSE,
                     rows = timeauc_by_hand(ovarian$futime, ovarian$fustat, ovarian$age, c(365, 730))),
  pbc_bili = list(call = "timeauc_by_hand(pbc$time, pbc$status == 2, log(pbc$bili), c(1000, 2000, 3000))",
                  higher_is_better = FALSE,
                  rows = timeauc_by_hand(pbc$time, pbc$dead, log(pbc$bili), c(1000, 2000, 3000)))
)
wj(tauc, "timeauc_datasets")

# ---------------------------------------------------------------------------------- demo cohort
demo_path <- "src/spinemet/cohort/data/demo_cohort.csv"
if (file.exists(demo_path)) {
  dm <- read.csv(demo_path, stringsAsFactors = FALSE, na.strings = c(""))
  dm <- dm[!is.na(dm$survival_months) & !is.na(dm$dead), ]
  res <- list(
    source = demo_path,
    data = list(time = dm$survival_months, event = dm$dead, tokuhashi = dm$tokuhashi, sins = dm$sins),
    tokuhashi = conc_record(dm$survival_months, dm$dead, dm$tokuhashi, FALSE,
                            "concordance(Surv(survival_months, dead) ~ tokuhashi, data = demo)"),
    sins = conc_record(dm$survival_months, dm$dead, dm$sins, FALSE,
                       "concordance(Surv(survival_months, dead) ~ sins, data = demo)"),
    tokuhashi_auc = list(call = "timeauc_by_hand(demo$survival_months, demo$dead, -demo$tokuhashi, c(6, 12))",
                         higher_is_better = TRUE,
                         rows = timeauc_by_hand(dm$survival_months, dm$dead, -dm$tokuhashi, c(6, 12)))
  )
  f <- coxph(Surv(survival_months, dead) ~ tokuhashi, data = dm)
  res$cox_tokuhashi <- cox_record(f, "coxph(Surv(survival_months, dead) ~ tokuhashi, data = demo)", "demo",
                                  "demo cohort")
  wj(res, "concordance_demo")
}
cat("survival", as.character(packageVersion("survival")), "- fixtures written to", out, "\n")
