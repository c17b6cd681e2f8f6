package io.homeostat.jpa;

import java.util.List;
import org.hibernate.boot.registry.selector.SimpleStrategyRegistrationImpl;
import org.hibernate.boot.registry.selector.StrategyRegistration;
import org.hibernate.boot.registry.selector.StrategyRegistrationProvider;
import org.hibernate.cache.spi.RegionFactory;

/**
 * Registers {@link HomeostatRegionFactory} with Hibernate's strategy selector under the short name
 * {@value HomeostatSettings#SHORT_NAME} (and its class name). Found through {@link java.util.ServiceLoader}.
 */
public final class HomeostatStrategyRegistrationProvider implements StrategyRegistrationProvider {

    @Override
    public Iterable<StrategyRegistration<?>> getStrategyRegistrations() {
        return List.of(new SimpleStrategyRegistrationImpl<>(RegionFactory.class, HomeostatRegionFactory.class,
                HomeostatSettings.SHORT_NAME, HomeostatRegionFactory.class.getName()));
    }
}
