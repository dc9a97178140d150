# Reference values for the statistics defects of issue 12 (spinemet.analysis.cox / survival / logrank).
# Run from the repo root:  Rscript tests/r/stat_defects.R      (survival 3.5-3 here; needs jsonlite)
# Output: tests/data/r/defects.json. The small data sets are built here and copied into the JSON, so the
# Python tests read exactly the data R used.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
out <- "tests/data/r"
fit_record <- function(f, call, data) {
  w <- character(0)
  fit <- withCallingHandlers(eval(f), warning = function(m) {
    w <<- c(w, conditionMessage(m)); invokeRestart("muffleWarning")
  })
  s <- summary(fit)
  list(call = call, data = data, coef = unname(coef(fit)), names = names(coef(fit)),
       coef_is_na = unname(is.na(coef(fit))),
       se = unname(sqrt(diag(fit$var))), loglik = unname(fit$loglik), iter = fit$iter,
       score = unname(fit$score), wald = unname(fit$wald.test), warnings = I(w))
}
res <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")))

# --- a coefficient running to infinity (monotone likelihood): R returns it with a warning
mono_untied <- data.frame(time = 1:20, status = 1L, x = rep(c(1, 0), each = 10))
mono_tied <- data.frame(time = rep(1:10, each = 2), status = 1L, x = rep(c(1, 0), each = 10))
mono_cens <- data.frame(time = 1:20, status = rep(c(1L, 0L), each = 10), x = rep(c(1, 0), each = 10),
                        z = rep(c(0.5, 1.5, 2.0, -1.0, 0.3), 4))
for (ti in c("efron", "breslow")) {
  res[[paste0("mono_untied_", ti)]] <- fit_record(
    quote(coxph(Surv(time, status) ~ x, data = mono_untied, ties = ti)),
    sprintf("coxph(Surv(time, status) ~ x, data = mono_untied, ties = \"%s\")", ti), mono_untied)
  res[[paste0("mono_tied_", ti)]] <- fit_record(
    quote(coxph(Surv(time, status) ~ x, data = mono_tied, ties = ti)),
    sprintf("coxph(Surv(time, status) ~ x, data = mono_tied, ties = \"%s\")", ti), mono_tied)
  res[[paste0("mono_cens_", ti)]] <- fit_record(
    quote(coxph(Surv(time, status) ~ x + z, data = mono_cens, ties = ti)),
    sprintf("coxph(Surv(time, status) ~ x + z, data = mono_cens, ties = \"%s\")", ti), mono_cens)
}

# --- a lone death with nobody else at risk: R gives coefficient 0 with SE 0 (and runs out of iterations)
lone <- data.frame(time = c(1, 2, 3, 4, 5), status = c(0L, 0L, 0L, 0L, 1L), x = c(1, 0, 1, 0, 1),
                   z = c(0.2, 1.4, -0.3, 0.8, 2.5))
res$lone_x <- fit_record(quote(coxph(Surv(time, status) ~ x, data = lone)),
                         "coxph(Surv(time, status) ~ x, data = lone)", lone)
res$lone_xz <- fit_record(quote(coxph(Surv(time, status) ~ x + z, data = lone, ties = "breslow")),
                          "coxph(Surv(time, status) ~ x + z, data = lone, ties = \"breslow\")", lone)

# --- exactly collinear covariates: R gives NA for the aliased one with both ties methods
lung2 <- read.csv("tests/data/datasets/lung.csv")
lung2$age2 <- 2 * lung2$age
for (ti in c("efron", "breslow")) {
  f <- coxph(Surv(time, status) ~ age + age2, data = lung2, ties = ti)
  res[[paste0("collinear_", ti)]] <- list(
    call = sprintf("coxph(Surv(time, status) ~ age + age2, data = lung (age2 = 2 * age), ties = \"%s\")", ti),
    coef_is_na = unname(is.na(coef(f))))
}

# --- R's timefix (aeqSurv): times that differ by rounding error are one time
tf <- data.frame(
  time = c(0.1 + 0.2, 0.3, 0.7, 0.1 * 7, 1.1, 1.1, 2.0, 1 - 0.9, 0.1, 3 * 0.1, 0.6, 0.2 * 3, 4.0, 2.5),
  status = c(1L, 1L, 1L, 0L, 1L, 1L, 0L, 1L, 1L, 1L, 1L, 1L, 0L, 1L),
  group = c(1L, 2L, 1L, 2L, 1L, 2L, 1L, 2L, 1L, 2L, 1L, 2L, 1L, 2L),
  x = c(0.5, 1.2, -0.3, 0.8, 1.5, 0.1, -1.0, 0.4, 2.0, 0.9, -0.6, 0.3, 0.0, 1.1))
for (fix in c(TRUE, FALSE)) {
  key <- if (fix) "timefix" else "no_timefix"
  km <- survfit(Surv(time, status) ~ 1, data = tf, timefix = fix)
  # survdiff(timefix = FALSE) fails in survival 3.5-3 (timefix reaches model.frame); without timefix the
  # log-rank test depends only on the order of the exact times, so it is run on their ranks instead
  sd <- if (fix) survdiff(Surv(time, status) ~ group, data = tf) else
    survdiff(Surv(rank(time, ties.method = "min"), status) ~ group, data = tf)
  cx <- coxph(Surv(time, status) ~ x, data = tf, control = coxph.control(timefix = fix))
  res[[key]] <- list(
    call = sprintf(paste0("survfit(Surv(time, status) ~ 1, timefix = %s); survdiff(Surv(time, status) ~ ",
                          "group) (timefix = FALSE: on rank(time, ties.method = \"min\")); coxph(Surv(time, status) ~ x, control = ",
                          "coxph.control(timefix = %s))"), fix, fix),
    km_time = km$time, km_n_event = km$n.event, km_surv = km$surv, km_std_err = km$std.err,
    logrank_chisq = unname(sd$chisq), logrank_obs = unname(sd$obs), logrank_exp = unname(sd$exp),
    cox_coef = unname(coef(cx)), cox_se = unname(sqrt(diag(cx$var))), cox_loglik = unname(cx$loglik))
}
# times as 17-significant-digit text: jsonlite rounds data-frame numbers, which would undo the test
res$timefix_data <- list(time = sprintf("%.17g", tf$time), status = tf$status, group = tf$group, x = tf$x)
write_json(res, file.path(out, "defects.json"), auto_unbox = TRUE, digits = I(17), pretty = TRUE,
           na = "null")
