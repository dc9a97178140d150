# Reference values for spinemet.analysis.cox_zph (R's cox.zph), spinemet.analysis.cox_predict
# (R's survfit(coxph, newdata=)) and survival at chosen times / median follow-up by reverse Kaplan-Meier.
# Run from the repo root:  Rscript tests/r/cox_zph_predict.R
# Needs: survival (3.5-3 here) and jsonlite. Inputs: tests/data/datasets/*.csv (tests/r/export_datasets.R).
# Output: tests/data/r/zph_predict.json
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
ds <- "tests/data/datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")), stringsAsFactors = FALSE)
lung <- rd("lung")
lung$dead <- lung$status - 1
veteran <- rd("veteran")          # celltype as text: factor() gives alphabetical levels (reference adeno)
ovarian <- rd("ovarian")

zph_rec <- function(fit, transform) {
  z <- cox.zph(fit, transform = transform)
  zf <- cox.zph(fit, transform = transform, terms = FALSE)
  list(table = lapply(split(as.data.frame(z$table), rownames(z$table)), as.list),
       rows = rownames(z$table), x = unname(z$x), time = unname(z$time),
       scaled = unname(zf$y))
}
models <- list(
  lung = list(data = "lung", formula = Surv(time, dead) ~ age + sex + ph.ecog, ties = "efron"),
  lung_breslow = list(data = "lung", formula = Surv(time, dead) ~ age + sex + ph.ecog, ties = "breslow"),
  veteran = list(data = "veteran", formula = Surv(time, status) ~ trt + celltype + karno, ties = "efron"),
  ovarian = list(data = "ovarian", formula = Surv(futime, fustat) ~ age + rx, ties = "efron"),
  lung_strata = list(data = "lung", formula = Surv(time, dead) ~ age + ph.ecog + strata(sex), ties = "efron")
)
out <- list(zph = list(), predict = list(), km_times = list())
for (nm in names(models)) {
  m <- models[[nm]]
  fit <- coxph(m$formula, data = get(m$data), ties = m$ties)
  rec <- list()
  for (tr in c("km", "identity", "rank", "log")) rec[[tr]] <- zph_rec(fit, tr)
  out$zph[[nm]] <- rec
}
# survfit(coxph, newdata=): predicted curves for covariate patterns, log CIs (R's default)
newdata <- list(
  lung = data.frame(age = c(60, 70), sex = c(1, 2), ph.ecog = c(1, 0)),
  lung_breslow = data.frame(age = 60, sex = 1, ph.ecog = 2),
  veteran = data.frame(trt = 1, celltype = "squamous", karno = 60),
  ovarian = data.frame(age = 55, rx = 2)
)
for (nm in names(newdata)) {
  m <- models[[nm]]
  fit <- coxph(m$formula, data = get(m$data), ties = m$ties)
  sf <- survfit(fit, newdata = newdata[[nm]])
  out$predict[[nm]] <- list(
    newdata = newdata[[nm]], time = sf$time, n_risk = sf$n.risk, n_event = sf$n.event,
    surv = unname(as.matrix(sf$surv)), std_err = unname(as.matrix(sf$std.err)),
    lower = unname(as.matrix(sf$lower)), upper = unname(as.matrix(sf$upper)),
    at_times = c(100, 365, 500),
    surv_at = unname(as.matrix(summary(sf, times = c(100, 365, 500))$surv)),
    lower_at = unname(as.matrix(summary(sf, times = c(100, 365, 500))$lower)),
    upper_at = unname(as.matrix(summary(sf, times = c(100, 365, 500))$upper))
  )
}
# survival at chosen times with CIs, and median follow-up by reverse Kaplan-Meier
for (nm in c("lung", "veteran", "ovarian")) {
  d <- get(nm)
  if (nm == "ovarian") { d$time <- d$futime; d$ev <- d$fustat } else if (nm == "lung") {
    d$ev <- d$dead } else d$ev <- d$status
  s <- summary(survfit(Surv(time, ev) ~ 1, data = d), times = c(90, 180, 365))
  rk <- survfit(Surv(time, 1 - ev) ~ 1, data = d)
  q <- quantile(rk, probs = 0.5)
  out$km_times[[nm]] <- list(times = s$time, surv = s$surv, lower = s$lower, upper = s$upper,
                             n_risk = s$n.risk,
                             followup_median = unname(q$quantile), followup_lower = unname(q$lower),
                             followup_upper = unname(q$upper))
}
write_json(out, "tests/data/r/zph_predict.json", auto_unbox = TRUE, digits = I(17), pretty = TRUE,
           na = "null")
cat("survival", as.character(packageVersion("survival")), "\n")
