//! The order service's own settings, read at start-up with the platform's.

use platform_service::{ConfigError, Settings, SettingsSource, register_settings};

use crate::domain::DEFAULT_MAX_LINES;

/// Limits of the order service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSettings {
    /// `MAX_LINES_PER_ORDER` (default 200): the most distinct products an order may
    /// hold; AddItem of one more is a 422 `too_many_lines`.
    pub max_lines_per_order: usize,
}

impl Settings for OrderSettings {
    fn from_settings(source: &SettingsSource<'_>) -> Result<Self, ConfigError> {
        let default = u32::try_from(DEFAULT_MAX_LINES).unwrap_or(u32::MAX);
        let max_lines = source.positive("MAX_LINES_PER_ORDER", default)?;
        Ok(OrderSettings {
            max_lines_per_order: usize::try_from(max_lines).unwrap_or(usize::MAX),
        })
    }
}

register_settings!(OrderSettings);

#[cfg(test)]
mod tests {
    use platform_service::Config;

    use super::OrderSettings;
    use crate::DEFAULT_CONFIG;

    #[test]
    fn max_lines_per_order_defaults_to_200_and_is_validated() {
        let config = Config::from_defaults_and(DEFAULT_CONFIG, &[]).expect("defaults load");
        assert_eq!(
            config.services.get::<OrderSettings>(),
            Some(&OrderSettings {
                max_lines_per_order: 200
            })
        );
        let config = Config::from_defaults_and(DEFAULT_CONFIG, &[("MAX_LINES_PER_ORDER", "3")])
            .expect("a valid limit");
        assert_eq!(
            config
                .services
                .get::<OrderSettings>()
                .map(|s| s.max_lines_per_order),
            Some(3)
        );
        for bad in ["0", "many", "-1"] {
            let err = Config::from_defaults_and(DEFAULT_CONFIG, &[("MAX_LINES_PER_ORDER", bad)])
                .expect_err("refused");
            assert!(err.to_string().contains("MAX_LINES_PER_ORDER"), "{err}");
        }
    }
}
