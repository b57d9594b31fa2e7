/// Contracts the tests of several targets share.
package enum TestContracts {
    /// The demo's linear statistics without `disclose sums` (protocols/runtime.md#output-pads):
    /// readmissions go to the role "regulator" only, so their slots are restricted under every
    /// protocol, and the contract runs under additive, secagg, paillier and beaver.
    package static let hospitalCounts = """
        contract hospital_counts version 1 {
          input admissions(ward: text, admitted_on: date, age: int, stay_days: int, cost: decimal(2), readmitted: int)
          local {
            where admitted_on >= date "2024-01-01" and age >= 0
            clip stay_days to [0, 365]
            clip readmitted to [0, 1]
          }
          compute by ward in ("cardiology", "emergency", "oncology", "pediatrics", "transplant") {
            admissions   = count()
            bed_days     = sum(stay_days)
            readmissions = sum(readmitted)
          }
          reveal admissions, bed_days to all
          reveal readmissions to role "regulator"
          require participants >= 2
          protocol auto
        }

        """
}
