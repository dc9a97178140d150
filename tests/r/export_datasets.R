# Export R's survival datasets (lung, veteran, ovarian, pbc) to CSV for spinemet tests.
# Run from the repo root:  Rscript tests/r/export_datasets.R
# Needs only the survival package (R's recommended packages; here survival 3.5-3).
# Columns are written as in R (NA -> empty field); non-integer numbers with 17 significant digits
# ("%.17g") so the CSV round-trips bit-exactly (write.csv's 15 digits loses pbc$age).
library(survival)
out <- "tests/data/datasets"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wr <- function(df, name) {
  for (n in names(df)) {
    x <- df[[n]]
    if (is.double(x) && any(!is.na(x) & x != round(x))) {
      df[[n]] <- ifelse(is.na(x), NA_character_, sprintf("%.17g", x))
    }
  }
  write.csv(df, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "", quote = FALSE)
}
# lung: NCCTG advanced lung cancer; status 1 = censored, 2 = dead
wr(survival::lung, "lung")
# veteran: VA lung cancer trial; status 1 = dead
wr(survival::veteran, "veteran")
# ovarian: ovarian cancer trial; fustat 1 = dead
wr(survival::ovarian, "ovarian")
# pbc: Mayo primary biliary cholangitis; status 0 censored, 1 transplant, 2 dead
wr(survival::pbc, "pbc")
cat("survival", as.character(packageVersion("survival")), "\n")
