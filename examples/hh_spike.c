/* hh_spike.c — chapter 1 in a few lines of the public API: a Hodgkin–Huxley
 * neuron driven by a 10 µA/cm² step fires at 1.90 ms with a +40.26 mV peak. */
#include <stdio.h>

#include <redes/redes.h>

int main(void)
{
    rn_hh_params params = rn_hh_default_params(RN_HH_MODERN);
    rn_hh_state rest;
    if (rn_hh_resting_state(&params, &rest) != RN_OK) return fprintf(stderr, "%s\n", rn_error_message()), 1;

    rn_stimulus stimulus;
    rn_stimulus_init(&stimulus);
    rn_stimulus_add_pulse(&stimulus, 0.0, 100.0, 10.0); /* 10 µA/cm² from 0 to 100 ms */

    rn_hh_integration integration = rn_hh_default_integration(); /* RK4, dt 0.01 ms, 100 ms */
    rn_hh_spike_detector spikes;
    rn_hh_spikes_init(&spikes, rn_hh_spike_threshold(&params), 50.0, 100.0);
    rn_hh_outcome outcome;
    if (rn_hh_simulate(&params, &integration, &rest, &stimulus, NULL, &spikes, &outcome) != RN_OK)
        return fprintf(stderr, "%s\n", rn_error_message()), 1;

    printf("rest %.3f mV; first spike at %.3f ms, peak %.2f mV; %d spikes, %.0f Hz over 50-100 ms; %s\n", rest.v,
           spikes.first_time_ms, spikes.first_peak_mv, spikes.count, spikes.rate_hz,
           rn_hh_divergence_name(outcome.divergence));
    return 0;
}
